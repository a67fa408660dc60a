#!/bin/sh
# Runs in the guest, as root, before each trial's pgbench (jobs/postgres.yaml):
# starts the cluster Debian's package made and fills pgbench's tables.
set -eu
systemctl start postgresql@15-main
runuser -u postgres -- pgbench -i -q -s 4 postgres
