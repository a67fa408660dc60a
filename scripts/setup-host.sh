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
	libvirt-clients libvirt-daemon-system libvirt-dev qemu-utils libhwloc-dev libmnl-dev nettle-dev libarchive-dev
	mmdebstrap syslinux syslinux-common mtools dosfstools fdisk
	gnuplot-nox
	chromium python3-junitparser socat
	python3-numpy python3-optuna
"

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-host.sh: run as root (it installs Debian packages)" >&2
	exit 2
fi

# Always refresh the lists: the guest build downloads the current kernel.
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

# QEMU runs as libvirt-qemu, not root: as root, libvirt 9.0 re-probes QEMU for
# about 80 s on every domain start where /dev/kvm cannot run a guest.
conf=/etc/libvirt/qemu.conf
changed=0
for key in user group; do
	if ! grep -q "^$key = \"libvirt-qemu\"" "$conf"; then
		sed -i "/^#\?$key = /d" "$conf"
		echo "$key = \"libvirt-qemu\"" >> "$conf"
		changed=1
	fi
done

# /dev/kvm as Debian's udev rule leaves it, where no udev ran (kvm-access.sh).
sh "$(dirname "$0")/kvm-access.sh" /dev/kvm libvirt-qemu

# Huge pages for domains that ask for them.
mkdir -p /dev/hugepages
mountpoint -q /dev/hugepages || mount -t hugetlbfs hugetlbfs /dev/hugepages

# The daemons, where no service manager starts them.
# (a libvirtd that the package's scripts started before qemu.conf changed is restarted)
if [ -d /run/systemd/system ]; then
	systemctl start virtlogd
	if [ $changed -eq 1 ]; then systemctl restart libvirtd; else systemctl start libvirtd; fi
else
	pgrep -x virtlogd >/dev/null || virtlogd -d
	if [ $changed -eq 1 ] && pgrep -x libvirtd >/dev/null; then
		pkill -x libvirtd
		for _ in $(seq 1 50); do pgrep -x libvirtd >/dev/null || break; sleep 0.1; done
	fi
	pgrep -x libvirtd >/dev/null || libvirtd -d
fi
for _ in $(seq 1 50); do
	virsh -c qemu:///system version >/dev/null 2>&1 && break
	sleep 0.2
done
virsh -c qemu:///system version >/dev/null 2>&1 || { echo "setup-host.sh: libvirtd does not answer" >&2; exit 1; }
echo "setup-host.sh: libvirt ready"
