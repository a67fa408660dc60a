#!/bin/sh
# Builds the guest appliance in build/guest/: Debian's kernel, uncompressed
# (vmlinux, an ELF QEMU boots through its PVH entry) and an initramfs (initrd.img) holding the agent as /init,
# vmbench, busybox-static, mkfs.ext4 and mkfs.xfs with their libraries, and
# the kernel modules the guest needs with their dependencies (from depmod),
# in load order. The only network it uses: `apt-get download` from Debian's
# archive. manifest lists the kernel version and each part's sha256; nothing
# is rebuilt while no input changed.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/guest
cache=$out/cache
# In load order: the results port (virtio_console) first, so the agent speaks early.
# The NICs of net.model: virtio_net, e1000e, 8139cp (QEMU's rtl8139 is a C+ chip), vmxnet3.
# The generic kernel has ext4 as a module; crc32c_generic first, as the
# softdeps of libcrc32c and ext4 ask (modules.dep does not list it).
MODULES="virtio_pci virtio_console virtio_blk virtio_scsi sd_mod virtio_balloon crc32c_generic xfs ext4 kyber-iosched bfq virtio_net e1000e 8139cp vmxnet3"
LIBDIR=/lib/x86_64-linux-gnu

die() { echo "build-guest.sh: $*" >&2; exit 1; }
for t in apt-get apt-cache dpkg cpio gzip xz sha256sum; do
	command -v $t >/dev/null || die "needs $t (scripts/setup-host.sh installs it)"
done
DEPMOD=$(command -v depmod || echo /sbin/depmod)
[ -x "$DEPMOD" ] || die "needs depmod (package kmod)"
for f in "$root/agent" "$root/vmbench" /sbin/mkfs.ext4 /sbin/mkfs.xfs; do
	[ -x "$f" ] || die "missing $f (make agent vmbench; packages e2fsprogs, xfsprogs)"
done

for f in "$root/agent" "$root/vmbench"; do
	readelf -l "$f" | grep -q INTERP && die "$f is not static (built with SANITIZE?): it could not run as the guest's /init"
done

# The kernel package the generic meta-package points at, and busybox's version.
# Not the cloud kernel: it has no e1000e and no 8139 driver.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$kpkg" ] || die "no linux-image-amd64 in the package lists (apt-get update)"
kver=${kpkg#linux-image-}
bbver=$(apt-cache policy busybox-static | awk '/Candidate:/ { print $2 }')
stamp=$(printf '%s\n' "$kpkg" "$bbver" | cat - "$0" "$root/agent" "$root/vmbench" \
	/sbin/mke2fs /sbin/mkfs.xfs | sha256sum | cut -d' ' -f1)
if [ -f "$out/manifest" ] && grep -qx "stamp $stamp" "$out/manifest"; then
	echo "build-guest.sh: $out is up to date ($kver)"
	exit 0
fi

mkdir -p "$cache"
cd "$cache"
ls ./"$kpkg"_*.deb >/dev/null 2>&1 || apt-get download "$kpkg" >/dev/null 2>&1 ||
	die "apt-get download $kpkg failed"
ls ./busybox-static_*.deb >/dev/null 2>&1 || apt-get download busybox-static >/dev/null 2>&1 ||
	die "apt-get download busybox-static failed"
work=$(mktemp -d "$out/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
dpkg -x ./"$kpkg"_*.deb "$work/k"
dpkg -x ./busybox-static_*.deb "$work/bb"
"$DEPMOD" -b "$work/k" "$kver" || die "depmod failed"

# The initramfs tree.
r=$work/root
mkdir -p "$r/bin" "$r/sbin" "$r/etc" "$r/lib/modules" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/mnt" \
	"$r$LIBDIR" "$r/lib64"
cp "$root/agent" "$r/init"
cp "$root/vmbench" "$r/bin/vmbench"
cp "$work/bb/bin/busybox" "$r/bin/busybox"
for a in sh ls cat mount umount dmesg ps sleep mkdir echo; do ln -s busybox "$r/bin/$a"; done
cp /sbin/mke2fs "$r/sbin/mkfs.ext4"
cp /sbin/mkfs.xfs "$r/sbin/mkfs.xfs"
[ -f /etc/mke2fs.conf ] && cp /etc/mke2fs.conf "$r/etc/"
for lib in $(ldd /sbin/mke2fs /sbin/mkfs.xfs | awk '$3 ~ /^\// { print $3 }' | sort -u); do
	cp -L "$lib" "$r$LIBDIR/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$r/lib64/"

# Modules: each with its dependencies, dependencies first, each once.
dep=$work/k/lib/modules/$kver/modules.dep
: > "$work/order"
for m in $MODULES; do
	line=$(grep -E "/$m\.ko(\.[a-z]+)?:" "$dep" | head -1)
	[ -n "$line" ] || die "module $m is not in $kpkg"
	# modules.dep lists a module's dependencies so that the last loads first
	for d in $(echo "${line#*:}" | tr ' ' '\n' | sed '/^$/d' | tac) "${line%%:*}"; do
		grep -qx "$d" "$work/order" || echo "$d" >> "$work/order"
	done
done
while read -r path; do
	cp "$work/k/lib/modules/$kver/$path" "$r/lib/modules/"
	basename "$path" >> "$r/lib/modules/load.list"
done < "$work/order"

(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -9 > "$work/initrd.img"
# The kernel uncompressed: under TCG, unpacking the xz bzImage took 5.6 s of
# every boot (12.4 s against 6.8 s to power-off, measured); the vmlinux
# inside it boots through its PVH note in the same 6.6 s as the cloud kernel.
z=$work/k/boot/vmlinuz-$kver
at=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$z" | head -1 | cut -d: -f1)
[ -n "$at" ] || die "$z holds no xz stream (the kernel is no longer xz-packed?)"
tail -c +$((at + 1)) "$z" | xz -dc --single-stream > "$work/vmlinux" 2>/dev/null || true
[ "$(head -c 4 "$work/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
	die "the xz stream of $z is no ELF kernel"
readelf -n "$work/vmlinux" | grep -q 'Xen.*0x00000012' || die "$work/vmlinux has no PVH entry note"
rm -f "$out/vmlinuz"	# the packed kernel of older builds
mv "$work/initrd.img" "$work/vmlinux" "$out/"
{
	echo "kernel $kver"
	echo "busybox $bbver"
	echo "modules $(tr '\n' ' ' < "$r/lib/modules/load.list")"
	cd "$out" && sha256sum vmlinux initrd.img | awk '{ print "sha256 " $2 " " $1 }'
	cd "$root" && sha256sum agent vmbench | awk '{ print "sha256 " $2 " " $1 }'
	echo "stamp $stamp"
} > "$out/manifest.new"
mv "$out/manifest.new" "$out/manifest"
echo "build-guest.sh: built $out ($kver, initrd $(du -k "$out/initrd.img" | cut -f1) KiB)"
