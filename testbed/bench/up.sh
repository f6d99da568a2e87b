#!/usr/bin/env bash
# Benchmark (run by hand; not a test, not in CI): `dongle up` vs wvdial in the test bed, on the
# same virtual serial stick (the e3372 whose gadget daemon answers the AT dialog and runs the
# network-side pppd after CONNECT). Measures start -> an address on ppp0, several alternating
# runs per tool, and prints a markdown table (median, min, max, dongle / wvdial).
#
#   cargo build --release -p dongle && bash testbed/bench/up.sh [--runs N] [--dongle PATH]
#       [--apn APN] [--log FILE] [--timeout SECS (the VM's, default 900)] [--trace]
#
# --trace: where the time goes instead of the table: one run of each tool (after a warm-up),
# every line it prints stamped with guest uptime (dongle with -vv: each AT command, pppd's log),
# the gadget's log (AT, CONNECT, PPP frames; its own clock) and the network-side pppd's
# (up_trace_guest.sh).
#
# wvdial gets the E3372 story's wvdial.conf (Stupid Mode = 1, Init2 = AT+CGDCONT=1,"IP","APN",
# Modem = /dev/ttyUSB0, Phone = *99#). dongle runs twice: as the user would type it (`dongle up
# --via ppp`, APN from the SIM) and with the same APN given (`--apn`). Needs: bash
# testbed/setup.sh, and wvdial + ppp on the host (the guest runs them through the 9p share).
# Timings are guest uptime under TCG: only the ratios within one run mean anything.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${VUSB_CACHE:-$repo/target/vusb}"
runs=5
apn=web.pt.lu
dongle="$repo/target/release/dongle"
log=
vm_timeout=900
guest=up_guest.sh
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --dongle) dongle="$(realpath "$2")"; shift 2 ;;
        --apn) apn="$2"; shift 2 ;;
        --log) log="$2"; shift 2 ;;
        --timeout) vm_timeout="$2"; shift 2 ;;
        --trace) guest=up_trace_guest.sh; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -x "$dongle" ] || { echo "bench: $dongle missing: cargo build --release -p dongle" >&2; exit 2; }
gadget="$repo/target/x86_64-unknown-linux-gnu/release/dongle-gadget"
if ! (cd "$repo" && RUSTFLAGS='-C target-feature=+crt-static' cargo build -q --release -p dongle-sim \
    --bin dongle-gadget --target x86_64-unknown-linux-gnu); then
    [ -x "$gadget" ] || { echo "bench: building dongle-gadget failed" >&2; exit 2; }
    echo "bench: warning: building dongle-gadget failed; using the existing $gadget" >&2
fi

console="$(mktemp)"
trap 'rm -f "$console"' EXIT
t0=$(date +%s)
set +e
"$repo/testbed/run.sh" -q --log "$console" --timeout "$vm_timeout" \
    --file "$gadget:/bin/dongle-gadget" --env DONGLE="$dongle" --env RUNS="$runs" --env APN="$apn" \
    "$here/$guest"
rc=$?
set -e
[ -z "$log" ] || cp "$console" "$log"
[ "$rc" = 0 ] || { grep 'VUSB' "$console" >&2 || true; echo "bench: the guest script failed (exit $rc)" >&2; exit 1; }
if [ "$guest" = up_trace_guest.sh ]; then
    grep -E '^VUSB: [TGP] ' "$console" | sed 's/^VUSB: //'
    exit 0
fi

grep -o 'VUSB: bench .*' "$console" | sed 's/^VUSB: bench //' | awk \
    -v wall="$(($(date +%s) - t0))" -v dongle="${dongle#"$repo"/}" -v apn="$apn" \
    -v kernel="$(cat "$cache/kernel.stamp" 2>/dev/null)" '
function kv(s, k,   i, a, m) { m = split(s, a, " "); for (i = 1; i <= m; i++) if (index(a[i], k "=") == 1) return substr(a[i], length(k) + 2); return "" }
function add(key, v) { n[key]++; val[key, n[key]] = v + 0 }
function sortk(key,   i, j, t) { for (i = 2; i <= n[key]; i++) for (j = i; j > 1 && val[key, j - 1] > val[key, j]; j--) { t = val[key, j]; val[key, j] = val[key, j - 1]; val[key, j - 1] = t } }
function med(key) { if (!n[key]) return ""; sortk(key); return n[key] % 2 ? val[key, (n[key] + 1) / 2] : (val[key, n[key] / 2] + val[key, n[key] / 2 + 1]) / 2 }
function s(ms) { return ms == "" ? "-" : sprintf("%.2f", ms / 1000) }
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2f", a / b) }
$1 == "up" && $3 != "0" { add($2, kv($0, "ms")); next }
$1 == "skip" { $1 = ""; skips[++nsk] = "skipped:" $0; next }
$1 == "note" { $1 = ""; notes[++nno] = $0; next }
END {
    print "`dongle up` vs wvdial in the test bed (QEMU TCG guest, " kernel ", " dongle "; wall " wall " s)."
    print "Start → 192.0.2.2 on ppp0, emulated guest seconds; one warm-up run each, then alternating runs."
    print ""
    print "| tool | runs | median s | min s | max s | / wvdial (medians) |"
    print "|---|---|---|---|---|---|"
    name["dongle"] = "`dongle up --via ppp` (APN from the SIM)"
    name["dongle-apn"] = "`dongle up --via ppp --apn " apn "`"
    name["wvdial"] = "wvdial (E3372 story wvdial.conf, Stupid Mode)"
    split("dongle dongle-apn wvdial", order, " ")
    for (o = 1; o <= 3; o++) { t = order[o]; if (!n[t]) continue
        sortk(t)
        print "| " name[t] " | " n[t] " | " s(med(t)) " | " s(val[t, 1]) " | " s(val[t, n[t]]) " | " (t == "wvdial" ? "" : ratio(med(t), med("wvdial"))) " |" }
    print ""
    if (n["wvdial"] && n["dongle"]) {
        r = ratio(med("dongle"), med("wvdial"))
        print "Target (issue 5: dongle not slower, ratio ≤ 1): " (r + 0 <= 1 ? "**met**" : "**not met**") " (" r ", APN from the SIM; " ratio(med("dongle-apn"), med("wvdial")) " with --apn)."
        print ""
    }
    for (i = 1; i <= nsk; i++) print "- " skips[i]
    for (i = 1; i <= nno; i++) print "- note:" notes[i]
}'
