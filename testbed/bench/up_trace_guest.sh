# Guest side of `testbed/bench/up.sh --trace`: where the time goes, one run of each tool with
# every line it prints stamped with guest uptime (busybox sh, gadget.sh sourced). Same stick and
# wvdial.conf as up_guest.sh; one untimed warm-up run each first (page cache over 9p).
# Lines: VUSB: T TOOL UPTIME TEXT  (START, ADDR = 192.0.2.2 on ppp0, or the tool's own line)
#        VUSB: G TOOL GADGET-SECONDS TEXT  (the gadget daemon's log: AT, CONNECT, PPP frames)
#        VUSB: P TOOL TEXT  (the network-side pppd's log)
# dongle runs with -vv (every AT command and pppd line, with DONGLE_LOG=trace).
: "${DONGLE:?set DONGLE to the host path of the dongle binary}"
APN=${APN:-web.pt.lu}
mkdir -p /run/lock
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
uptime_s() { awk '{ printf "%.3f", $1 }' /proc/uptime; }
echo "VUSB: T gadget $(uptime_s) started (its clock starts about here)"
ppp_peer_gadget
wait_driver 1-1:1.0 option 10 || vusb_die "option did not bind the modem port"
wait_driver 1-1:1.1 option 10 || vusb_die "option did not bind the PCUI port"
wait_for /dev/ttyUSB1 5 || vusb_die "/dev/ttyUSB1 missing"
GLOG=/tmp/gadget-modem.log
stamp() {
    awk -v p="$1" '{ getline up < "/proc/uptime"; close("/proc/uptime"); split(up, a, " ")
        printf "VUSB: T %s %8.3f %s\n", p, a[1], $0; fflush() }'
}
settle() {
    wait_gone /sys/class/net/ppp0 20
    _n=100
    while pidof pppd >/dev/null 2>&1; do _n=$((_n - 1)); [ "$_n" -gt 0 ] || break; sleep 0.1; done
    pidof pppd >/dev/null 2>&1 && { kill $(pidof pppd); sleep 1; }
    sleep 0.5
}
one() { # one TAG CMD...
    _tag=$1; shift
    : >/tmp/peer-ppp.log
    _g0=$(wc -l <"$GLOG")
    echo "VUSB: T $_tag $(uptime_s) START $*"
    rm -f /tmp/trace.fifo; mkfifo /tmp/trace.fifo
    stamp "$_tag" </tmp/trace.fifo &
    _sp=$!
    host_bg "$@" >/tmp/trace.fifo 2>&1
    _pid=$!
    if wait_ppp_addr ppp0 "$PPP_HOST_ADDR" 60; then _r=ADDR; else _r=NOADDR; fi
    echo "VUSB: T $_tag $(uptime_s) $_r"
    sleep 1
    case "$_tag" in
        dongle*) host "$DONGLE" down >/dev/null 2>&1 ;;
        *) kill "$_pid" 2>/dev/null ;;
    esac
    _n=200
    while kill -0 "$_pid" 2>/dev/null; do _n=$((_n - 1)); [ "$_n" -gt 0 ] || { kill -9 "$_pid"; break; }; sleep 0.05; done
    wait "$_pid" 2>/dev/null; wait "$_sp" 2>/dev/null
    tail -n +$((_g0 + 1)) "$GLOG" | grep -v 'ttyUSB1' | head -80 | sed "s/^/VUSB: G $_tag /"
    head -20 /tmp/peer-ppp.log | sed "s/^/VUSB: P $_tag /"
    settle
}
host "$DONGLE" up --via ppp --apn "$APN" >/dev/null 2>&1 &
_w=$!; wait_ppp_addr ppp0 "$PPP_HOST_ADDR" 60; host "$DONGLE" down >/dev/null 2>&1; wait "$_w"; settle
if host test -x /usr/bin/wvdial; then
    host_bg /usr/bin/wvdial --config /run/wvdial.conf >/dev/null 2>&1
    _w=$!; wait_ppp_addr ppp0 "$PPP_HOST_ADDR" 60; kill "$_w"; wait "$_w"; settle
fi
one dongle env DONGLE_LOG=trace "$DONGLE" -vv up --via ppp
one dongle-apn env DONGLE_LOG=trace "$DONGLE" -vv up --via ppp --apn "$APN"
host test -x /usr/bin/wvdial && one wvdial /usr/bin/wvdial --config /run/wvdial.conf
echo "VUSB: PASS"
exit 0
