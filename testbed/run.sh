#!/usr/bin/env bash
# Virtual USB test bed: boot one guest VM, run one test script in it, report its verdict.
#
# Usage (after `bash testbed/setup.sh`):
#   testbed/run.sh [OPTIONS] SCRIPT
#     SCRIPT               guest shell script (busybox sh); runs as /t.sh with testbed/guest/gadget.sh
#                          already sourced (g_new, g_bind, ffs_start, host, check, ...)
#   --file SRC[:DEST]      also put host file SRC into the guest at DEST (default /SRC's basename),
#                          e.g. --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget
#                          (repeatable; a static binary runs as is, a dynamic one should run via `host`)
#   --env NAME=VALUE       export NAME=VALUE in the guest before SCRIPT runs (repeatable), e.g.
#                          --env DONGLE="$PWD/target/debug/dongle" for testbed/scenarios/*.sh
#   --timeout SECS         kill the VM after SECS (default 120; TCG is ~5-10x slower than native)
#   --log FILE             also write the console log to FILE
#   --append ARGS          extra kernel command line (e.g. "loglevel=7" to see every kernel message)
#   --no-host              do not share the host's / with the guest (no `host` command then)
#   -q                     do not stream the console to stdout (use with --log)
# Exit status: the script's own exit status (from the console line `VUSB: test exit=N`);
#   124 = timeout, 125 = the guest stopped without that line, 2 = usage, 3 = test bed not set up.
#
# Ad-hoc example (a FunctionFS daemon under test):
#   cat >/tmp/t.sh <<'EOF'
#   g_new stick 0x12d1 0x1506
#   g_ffs stick modem
#   ffs_start modem /bin/dongle-gadget modem "$FFS_DIR"   # any CLI; waits for ep1
#   g_ncm stick
#   g_bind stick
#   usb_summary
#   host /work/main/target/debug/dongle --json list       # the host's binary, via 9p + chroot
#   EOF
#   testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget /tmp/t.sh
#
# At most VUSB_MAX_VMS (default 2) VMs run at a time across all callers (flock slots in the cache);
# others wait for a free slot. VUSB_CACHE overrides the cache directory (default target/vusb).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cache="${VUSB_CACHE:-$repo/target/vusb}"
BUSYBOX=/bin/busybox

die() { printf 'vusb-run: error: %s\n' "$*" >&2; exit "${2:-2}"; }

timeout_s=120
log_file=
extra_append=
share_host=1
quiet=0
files=()
envs=()
script=
while [ $# -gt 0 ]; do
    case "$1" in
        --file) [ $# -ge 2 ] || die "--file needs SRC[:DEST]"; files+=("$2"); shift 2 ;;
        --env)
            [ $# -ge 2 ] && [[ "$2" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env needs NAME=VALUE"
            envs+=("$2"); shift 2 ;;
        --timeout) [ $# -ge 2 ] || die "--timeout needs SECS"; timeout_s="$2"; shift 2 ;;
        --log) [ $# -ge 2 ] || die "--log needs FILE"; log_file="$2"; shift 2 ;;
        --append) [ $# -ge 2 ] || die "--append needs ARGS"; extra_append="$2"; shift 2 ;;
        --no-host) share_host=0; shift ;;
        -q) quiet=1; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) [ -z "$script" ] || die "only one SCRIPT"; script="$1"; shift ;;
    esac
done
[ -n "$script" ] || die "usage: testbed/run.sh [OPTIONS] SCRIPT (see --help)"
[ -f "$script" ] || die "test script $script not found"

# Guest files edited since the last setup: rebuild the base initramfs first (cheap, locked).
if [ -s "$cache/base.cpio.gz" ] && [ -n "$(find "$here/setup.sh" "$here/guest" -newer "$cache/base.cpio.gz" -print -quit)" ]; then
    flock "$cache/setup.lock" bash "$here/setup.sh" >&2 || die "testbed/setup.sh failed" 3
fi

kernel="$cache/kernel/vmlinux"
base="$cache/base.cpio.gz"
[ -s "$kernel" ] && [ -s "$base" ] || die "test bed not set up ($cache has no vmlinux/base.cpio.gz): run bash testbed/setup.sh" 3
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: run bash testbed/setup.sh" 3
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing: run bash testbed/setup.sh" 3

work="$(mktemp -d "${TMPDIR:-/tmp}/vusb-run.XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# Per-test overlay: the script as /t.sh plus --file payloads, appended to the base initramfs.
mkdir -p "$work/ov"
{
    for e in "${envs[@]}"; do printf 'export %s=%q\n' "${e%%=*}" "${e#*=}"; done
    cat "$script"
} >"$work/ov/t.sh"
chmod 0755 "$work/ov/t.sh"
for spec in "${files[@]}"; do
    src="${spec%%:*}"
    dest="${spec#*:}"
    [ "$dest" != "$spec" ] || dest="/$(basename "$src")"
    [ -f "$src" ] || die "--file $src: not a file"
    mkdir -p "$work/ov$(dirname "$dest")"
    cp -L "$src" "$work/ov$dest"
done
(cd "$work/ov" && find . -mindepth 1 | "$BUSYBOX" cpio -o -H newc 2>/dev/null) | gzip -1 >"$work/ov.cpio.gz"
cat "$base" "$work/ov.cpio.gz" >"$work/initrd"

qemu=(qemu-system-x86_64 -accel tcg -M q35 -m 512 -smp 1 -nic none -display none -monitor none
    -serial stdio -no-reboot -kernel "$kernel" -initrd "$work/initrd")
append="console=ttyS0 quiet panic=-1 vusb.test=/t.sh"
if [ "$share_host" = 1 ]; then
    qemu+=(-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap")
else
    append="$append vusb.nohost"
fi
[ -z "$extra_append" ] || append="$append $extra_append"
qemu+=(-append "$append")

# VM slots: at most VUSB_MAX_VMS guests at a time on this machine (2 cores).
max_vms="${VUSB_MAX_VMS:-2}"
if command -v flock >/dev/null; then
    mkdir -p "$cache/slots"
    got=
    while [ -z "$got" ]; do
        for i in $(seq 0 $((max_vms - 1))); do
            exec 9>"$cache/slots/$i"
            if flock -n 9; then got=$i; break; fi
            exec 9>&-
        done
        [ -n "$got" ] || sleep 0.2
    done
fi

t0=$(date +%s.%N)
set +e
if [ "$quiet" = 1 ]; then
    timeout --kill-after=5 "$timeout_s" "${qemu[@]}" </dev/null 2>&1 | tr -d '\r' >"$work/console"
else
    timeout --kill-after=5 "$timeout_s" "${qemu[@]}" </dev/null 2>&1 | tr -d '\r' | tee "$work/console"
fi
qrc=${PIPESTATUS[0]}
set -e
exec 9>&- # release the VM slot
wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
[ -z "$log_file" ] || cp "$work/console" "$log_file"

rc=$(sed -n 's/.*VUSB: test exit=\([0-9][0-9]*\).*/\1/p' "$work/console" | tail -n 1)
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
    printf 'vusb-run: TIMEOUT after %s s (qemu killed); %s\n' "$timeout_s" "$script" >&2
    exit 124
fi
if [ -z "$rc" ]; then
    printf 'vusb-run: guest stopped without "VUSB: test exit=N" (qemu status %s, %s s); %s\n' "$qrc" "$wall" "$script" >&2
    exit 125
fi
printf 'vusb-run: %s: exit=%s in %s s\n' "$script" "$rc" "$wall" >&2
exit "$rc"
