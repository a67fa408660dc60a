#ifndef IMAGE_H
#define IMAGE_H
/*
 * A user's guest image (a test-VM job's image:), checked before any trial:
 * it exists, QEMU (user libvirt-qemu) can read it, it is a disk image
 * (qcow2 without a backing file of its own, or raw with a partition table
 * and boot signature), and no running domain uses it. vmtune never writes
 * it: each trial boots an overlay whose backing file it is, never
 * relabelled (domxml.c).
 */
#include <libvirt/libvirt.h>

/* The image's format ("qcow2" or "raw") and its disk's size in bytes; -1 with why. */
int image_probe(const char *path, const char **fmt, unsigned long long *bytes, char *err);
/*
 * -1 with why when a running domain of conn has path as a disk it writes
 * (a trial's overlay reads it as a backing file: that is no use).
 */
int image_in_use(virConnectPtr conn, const char *path, char *err);

#endif
