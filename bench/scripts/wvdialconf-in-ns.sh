#!/usr/bin/env bash
# Run wvdialconf against given ttys as if they were /dev/ttyUSB0..N.
# wvdialconf scans fixed names under /dev, so give it a private mount
# namespace whose /dev holds only null, tty, pts and our ports (bind mounts of
# the simulator's PTY slaves). Nothing outside the namespace changes.
# usage: wvdialconf-in-ns.sh OUT.conf /dev/pts/3 /dev/pts/4 ...
set -euo pipefail
out=$1; shift
exec unshare --mount --propagation private bash -s "$out" "$@" <<'INNER'
set -euo pipefail
out=$1; shift
old=$(mktemp -d)
mount --rbind /dev "$old"
mount -t tmpfs -o size=1m tmpfs /dev
for n in null zero tty urandom random; do touch "/dev/$n"; mount --bind "$old/$n" "/dev/$n"; done
mkdir /dev/pts; mount --bind "$old/pts" /dev/pts
i=0
for p in "$@"; do
    touch "/dev/ttyUSB$i"; mount --bind "$old/${p#/dev/}" "/dev/ttyUSB$i"; i=$((i+1))
done
wvdialconf "$out"
INNER
