#!/bin/sh
# Gives /dev/kvm the access Debian's udev rule gives it (group kvm, mode
# 0660) and puts QEMU's user in group kvm, on a host where no udev did.
# Without it, libvirtd (root) probes QEMU with KVM while QEMU's user cannot
# open the device: libvirt 9.0 then finds its capability cache stale on
# every call and probes QEMU again, ~4 s a call, 80 s a domain start.
# Idempotent; prints a line only for what it changed; silent without
# the device. As root (setup-host.sh runs it).
#   kvm-access.sh [DEVICE [USER]]      (defaults: /dev/kvm libvirt-qemu)
set -eu
dev=${1:-/dev/kvm} user=${2:-libvirt-qemu} group=kvm

[ -e "$dev" ] || exit 0
[ -c "$dev" ] || { echo "kvm-access.sh: $dev is not a character device" >&2; exit 2; }

if ! getent group "$group" >/dev/null; then
	groupadd --system "$group"
	echo "kvm-access.sh: created group $group"
fi
if [ "$(stat -c %G "$dev")" != "$group" ]; then
	chgrp "$group" "$dev"
	echo "kvm-access.sh: $dev now group $group"
fi
# The group may read and write; others get nothing beyond what they had.
mode=$(stat -c %a "$dev")
if [ $((0$mode & 060)) -ne $((060)) ]; then
	chmod g+rw "$dev"
	echo "kvm-access.sh: $dev now mode $(stat -c %a "$dev")"
fi
if id "$user" >/dev/null 2>&1; then
	case " $(id -nG "$user") " in
	*" $group "*) ;;
	*)
		usermod -a -G "$group" "$user"
		echo "kvm-access.sh: $user added to group $group"
		;;
	esac
fi
