#!/bin/sh
# Builds the reference guest image, build/image/debian-workloads.qcow2: a
# stock Debian 12 server as a user would have one, booted by its own
# bootloader (BIOS, SeaBIOS), with systemd, the QEMU guest agent, Debian's
# kernel, and three real workloads: Redis (redis-server, redis-benchmark),
# PostgreSQL 15 (pgbench) and fio. vmtune only ever opens it read-only: each
# trial boots a copy-on-write overlay of it.
#
#   scripts/build-image.sh     (make image)
#
# The only network it uses: Debian's archive (mmdebstrap).
# Nothing is mounted and no loop device is used: the root file system is
# made from a folder (mke2fs -d) at its partition's offset, the boot
# partition is FAT written with mtools, and SYSLINUX is installed on it at
# its offset; the MBR is SYSLINUX's. Idempotent: a stamp over this script
# and the package list says when the image is current.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/image
name=debian-workloads
pkgs="systemd,systemd-sysv,udev,dbus,qemu-guest-agent,linux-image-amd64,kmod,procps,iproute2,util-linux,ca-certificates"
workloads="redis-server,redis-tools,postgresql-15,fio"
[ $# -eq 0 ] || { echo "usage: scripts/build-image.sh (no options)" >&2; exit 2; }
die() { echo "build-image.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap's root mode)"

need="mmdebstrap:mmdebstrap mkfs.vfat:dosfstools mcopy:mtools syslinux:syslinux sfdisk:fdisk mke2fs:e2fsprogs qemu-img:qemu-utils"
missing=
for pair in $need; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "/sbin/${pair%%:*}" ] || missing="$missing ${pair#*:}"
done
if [ -n "$missing" ]; then
	echo "build-image.sh: installing$missing"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing syslinux-common >/dev/null ||
		die "apt-get install$missing failed"
fi
MBR=/usr/lib/syslinux/mbr/mbr.bin
[ -f $MBR ] || die "no $MBR (package syslinux-common)"

stamp=$(printf '%s\n' "$pkgs" "$workloads" | cat - "$0" | sha256sum | cut -d' ' -f1)
img=$out/$name.qcow2
if [ -f "$img" ] && [ -f "$out/$name.stamp" ] && [ "$(cat "$out/$name.stamp")" = "$stamp" ]; then
	echo "build-image.sh: $img is up to date"
	exit 0
fi
mkdir -p "$out"
t0=$(date +%s)
work=$(mktemp -d "$out/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree=$work/root

# The system. The hooks set up what a cloud image's first boot would:
# the root file system by label, a serial console, DHCP on any wired NIC,
# a host name, no root password (the agent is the way in), no timers that
# would wake during a measurement.
mmdebstrap --quiet --variant=minbase --include="$pkgs,$workloads" \
	--customize-hook='echo "LABEL=vmtune-root / ext4 rw,noatime 0 1" > "$1/etc/fstab"' \
	--customize-hook='echo vmtune-guest > "$1/etc/hostname"' \
	--customize-hook='printf "[Match]\nName=en* eth*\n[Network]\nDHCP=yes\n" > "$1/etc/systemd/network/50-dhcp.network"' \
	--customize-hook='chroot "$1" systemctl enable systemd-networkd.service serial-getty@ttyS0.service' \
	--customize-hook='chroot "$1" sh -c "systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer 2>/dev/null || true"' \
	--customize-hook='chroot "$1" passwd -d root >/dev/null' \
	bookworm "$tree" || die "mmdebstrap failed"
kernel=$(ls "$tree"/boot/vmlinuz-* | sort -V | tail -1)
initrd=$(ls "$tree"/boot/initrd.img-* | sort -V | tail -1)
[ -f "$kernel" ] && [ -f "$initrd" ] || die "no kernel or initramfs in the tree"

# The disk: MBR, a 128 MiB FAT boot partition (SYSLINUX, kernel, initramfs),
# the root file system in the rest.
used=$(du -sm "$tree" | cut -f1)
rootmib=$(( (used * 13 / 10 + 512 + 63) / 64 * 64 ))
bootmib=128
raw=$work/disk.raw
truncate -s $(( (1 + bootmib + rootmib) ))M "$raw"
printf 'label: dos\nstart=1MiB, size=%dMiB, type=c, bootable\nstart=%dMiB, type=83\n' \
	$bootmib $((1 + bootmib)) | sfdisk -q "$raw" || die "sfdisk failed"
dd if=$MBR of="$raw" bs=440 count=1 conv=notrunc status=none
boot_off=$((1 << 20))
root_off=$(( (1 + bootmib) << 20 ))
fat=$work/boot.fat
truncate -s ${bootmib}M "$fat"
mkfs.vfat -n VMTUNEBOOT "$fat" >/dev/null
cat > "$work/syslinux.cfg" <<EOF
SERIAL 0 115200
DEFAULT debian
TIMEOUT 0
PROMPT 0
LABEL debian
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND root=LABEL=vmtune-root rw console=ttyS0,115200 net.ifnames=0
EOF
export MTOOLS_SKIP_CHECK=1
mcopy -i "$fat" "$kernel" ::/vmlinuz
mcopy -i "$fat" "$initrd" ::/initrd.img
mcopy -i "$fat" "$work/syslinux.cfg" ::/syslinux.cfg
syslinux --install "$fat" || die "syslinux failed"
dd if="$fat" of="$raw" bs=1M seek=1 conv=notrunc status=none
rm -f "$fat"
/sbin/mke2fs -q -t ext4 -L vmtune-root -d "$tree" -E offset=$root_off "$raw" "${rootmib}M" ||
	die "mke2fs failed"
qemu-img convert -f raw -O qcow2 "$raw" "$work/$name.qcow2" || die "qemu-img convert failed"
chmod 0644 "$work/$name.qcow2"
mv "$work/$name.qcow2" "$img"
echo "$stamp" > "$out/$name.stamp"
sha256sum "$img" | cut -d' ' -f1 > "$out/$name.sha256"
t1=$(date +%s)
echo "build-image.sh: $img: $(du -m "$img" | cut -f1) MiB on disk, $((1 + bootmib + rootmib)) MiB virtual, built in $((t1 - t0)) s"
