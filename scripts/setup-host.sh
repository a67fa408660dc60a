#!/bin/sh
# Installs what vmtune needs to build, test and run on Debian 12, as root.
# Idempotent: run it as often as you like.
set -eu

PACKAGES="
	build-essential pkg-config
	libyaml-dev libjansson-dev libgsl-dev libsqlite3-dev libcmocka-dev libxml2-dev
	sqlite3 jq gawk xz-utils gzip util-linux procps
	liburing-dev
	cpio kmod e2fsprogs xfsprogs qemu-system-x86
	libvirt-clients
"

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-host.sh: run as root (it installs Debian packages)" >&2
	exit 2
fi

# Always refresh the lists: the guest build downloads the current cloud kernel.
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
echo "setup-host.sh: packages ready"
