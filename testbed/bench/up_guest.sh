# Guest side of the `dongle up` vs wvdial benchmark (busybox sh, gadget.sh sourced); run it
# through testbed/bench/up.sh. One virtual stick for every run: the e3372 over FunctionFS + ncm
# whose daemon answers the AT dialog and, on CONNECT, raises DCD and runs the network-side pppd
# (ppp_peer_gadget: 192.0.2.1, gives 192.0.2.2). Each run starts one tool on the host side and
# measures start -> 192.0.2.2 on ppp0 (guest uptime, 10 ms steps), then ends the link and waits
# until ppp0 is gone and the gadget has seen the hang-up. Tools alternate run by run.
#
# Environment: DONGLE (host path of the dongle binary), RUNS (per tool, default 5), APN.
# Lines printed (parsed by up.sh): VUSB: bench up TOOL RUN ms=MS   VUSB: bench note TEXT
#                                  VUSB: bench skip TOOL REASON
: "${DONGLE:?set DONGLE to the host path of the dongle binary}"
RUNS=${RUNS:-5}
APN=${APN:-web.pt.lu}
uptime_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
bench() { echo "VUSB: bench $*"; }
mkdir -p /run/lock

# The E3372 story's wvdial.conf (DESIGN.md; keys: connect_and_hilink.md §3.2): Stupid Mode, the
# APN in Init2, the modem port; the rest as wvdialconf writes it.
cat >/run/wvdial.conf <<CONF
[Dialer Defaults]
Init1 = ATZ
Init2 = AT+CGDCONT=1,"IP","$APN"
Modem Type = Analog Modem
Baud = 460800
New PPPD = yes
Modem = /dev/ttyUSB0
ISDN = 0
Phone = *99#
Username = ''
Password = ''
Stupid Mode = 1
CONF

ppp_peer_gadget
wait_driver 1-1:1.0 option 10 || vusb_die "option did not bind the modem port"
wait_driver 1-1:1.1 option 10 || vusb_die "option did not bind the PCUI port"
wait_for /dev/ttyUSB1 5 || vusb_die "/dev/ttyUSB1 missing"
GLOG=/tmp/gadget-modem.log

peers_started() { grep -c 'PEER ttyUSB0: started' "$GLOG" 2>/dev/null; }
# After a run: ppp0 gone and the network-side pppd of this call gone too.
settle() {
    wait_gone /sys/class/net/ppp0 20 || bench "note $1 $2: ppp0 still there after the stop"
    _n=100
    while pidof pppd >/dev/null 2>&1; do _n=$((_n - 1)); [ "$_n" -gt 0 ] || break; sleep 0.1; done
    pidof pppd >/dev/null 2>&1 && { bench "note $1 $2: a pppd is left; killing it"; kill $(pidof pppd); sleep 1; }
    sleep 0.5
}

one() { # one TOOL RUN
    case "$1" in
        dongle)     set -- "$1" "$2" "$DONGLE" up --via ppp ;;
        dongle-apn) set -- "$1" "$2" "$DONGLE" up --via ppp --apn "$APN" ;;
        wvdial)     set -- "$1" "$2" /usr/bin/wvdial --config /run/wvdial.conf ;;
    esac
    _tool=$1; _run=$2; shift 2
    _t0=$(uptime_ms)
    host_bg "$@" >/run/bench-up.log 2>&1
    _pid=$!
    if wait_ppp_addr ppp0 "$PPP_HOST_ADDR" 60; then
        _t1=$(uptime_ms)
        bench "up $_tool $_run ms=$((_t1 - _t0))"
    else
        bench "note $_tool $_run: no address on ppp0 within 60 s"
        tail -5 /run/bench-up.log | sed 's/^/VUSB: bench note   /'
    fi
    case "$_tool" in
        dongle*) host "$DONGLE" down >/dev/null 2>&1 ;;
        *) kill "$_pid" 2>/dev/null ;; # wvdial: SIGTERM hangs up (it stops its pppd)
    esac
    _n=200
    while kill -0 "$_pid" 2>/dev/null; do _n=$((_n - 1)); [ "$_n" -gt 0 ] || { kill -9 "$_pid"; break; }; sleep 0.05; done
    wait "$_pid" 2>/dev/null
    settle "$_tool" "$_run"
}

tools="dongle dongle-apn wvdial"
host test -x /usr/bin/wvdial || { bench "skip wvdial not installed on the host (apt-get install wvdial)"; tools="dongle dongle-apn"; }
# A warm-up run each (the first exec of a binary over 9p pays its page cache), then alternating.
for t in $tools; do one "$t" 0 >/dev/null; done
r=1
while [ "$r" -le "$RUNS" ]; do
    for t in $tools; do one "$t" "$r"; done
    r=$((r + 1))
done
bench "note calls made by the gadget: $(peers_started)"
echo "VUSB: PASS"
exit 0
