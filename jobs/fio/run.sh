#!/bin/sh
# Runs in the guest (jobs/fio.yaml): 4 KiB random reads, then random writes,
# O_DIRECT, queue depth 16, 15 s each, on the trial's data disk, and prints
# each figure as a metric line. fio's terse lines (version 3) carry a job's
# read IOPS in field 8 and its write IOPS in field 49.
set -eu
fio --output-format=terse --terse-version=3 --filename=/dev/vdb --direct=1 \
	--ioengine=libaio --bs=4k --iodepth=16 --size=96M --runtime=15 --time_based \
	--name=randread --rw=randread --name=randwrite --rw=randwrite --stonewall |
awk -F';' '
$1 == "3" && $3 == "randread" { m = "fio.randread.iops"; v = $8 }
$1 == "3" && $3 == "randwrite" { m = "fio.randwrite.iops"; v = $49 }
m != "" { printf "{\"metric\":\"%s\",\"value\":%s,\"unit\":\"IOPS\",\"better\":\"higher\"}\n", m, v; m = "" }'
