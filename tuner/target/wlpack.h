#ifndef WLPACK_H
#define WLPACK_H
/*
 * A workload for the bundled appliance: its steps and files as a cpio
 * (newc) archive appended to the appliance's initramfs (the kernel unpacks
 * concatenated archives in turn), written with libarchive. The agent finds
 * /vmtune/setup, /vmtune/run, /vmtune/teardown (argv, NUL-separated words)
 * and the files under WORKLOAD_GUEST_DIR (tuner/guest/agent.c).
 */
#include "workload.h"

/* out = base's bytes, then the workload's archive; -1 with why. */
int workload_pack(const struct workload *wl, const char *base, const char *out, char *err);

#endif
