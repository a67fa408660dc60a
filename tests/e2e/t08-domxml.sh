#!/bin/bash
# Every golden domain XML (tests/golden/domxml, checked against domxml.c by
# the unit test) is valid for libvirt's schema.
. "$(dirname "$0")/lib.sh"
n=0
for f in "$ROOT"/tests/golden/domxml/*.xml; do
	expect "valid domain XML: $(basename "$f")" virt-xml-validate "$f" domain
	n=$((n + 1))
done
enough() { [ "$n" -ge 50 ]; }
expect "a golden file for every knob value ($n)" enough
finish
