# Scenario: `dongle up` end to end over PPP, and staying up. The gadget (ppp_peer_gadget: e3372
# over FunctionFS + ncm) answers the AT dialog from the dongle-sim model and, on CONNECT, raises
# DCD and bridges the data phase to a network-side pppd (192.0.2.1, gives 192.0.2.2). `dongle up`
# (the cargo-built binary through the 9p share) probes the ports, checks SIM and registration,
# chooses the APN from the SIM, dials on the modem port and runs the HOST's real pppd on the same
# line. Then the network side dies: `dongle up` must explain it and reconnect by itself. Then
# `dongle down` ends the link cleanly.
# Run by hand: testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#       --env DONGLE="$PWD/target/debug/dongle" testbed/scenarios/up_ppp.sh
: "${DONGLE:?}"
GLOG=/tmp/gadget-modem.log
mkdir -p /run/lock

ppp_peer_gadget
check "option bound to the modem port (1-1:1.0)" wait_driver 1-1:1.0 option 10
check "option bound to the PCUI port (1-1:1.1)" wait_driver 1-1:1.1 option 10
check "/dev/ttyUSB1 present" wait_for /dev/ttyUSB1 5

t0=$(cut -d' ' -f1 /proc/uptime)
host_bg "$DONGLE" -v up --via ppp >/run/dongle-up.log 2>&1
up_pid=$!
check "ppp0 got $PPP_HOST_ADDR through dongle up" wait_ppp_addr ppp0 "$PPP_HOST_ADDR" 60
t1=$(cut -d' ' -f1 /proc/uptime)
echo "VUSB: time up ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')"
sleep 1
capture status1 host "$DONGLE" --json status

# The network side goes away: the call drops, dongle up says why and dials again.
peer=$(sed -n 's/.*PEER ttyUSB0: started pid \([0-9]*\).*/\1/p' "$GLOG" | tail -1)
check "network-side pppd found" [ -n "$peer" ]
kill "$peer"
check "ppp0 gone when the network side died" wait_gone /sys/class/net/ppp0 20
check "ppp0 back after the reconnect" wait_ppp_addr ppp0 "$PPP_HOST_ADDR" 60
sleep 1
capture status2 host "$DONGLE" --json status

capture down host "$DONGLE" down
check "dongle up exited" sh -c "n=300; while kill -0 $up_pid 2>/dev/null; do n=\$((n-1)); [ \$n -gt 0 ] || exit 1; sleep 0.05; done"
check "ppp0 gone after dongle down" wait_gone /sys/class/net/ppp0 10
show_log /run/dongle-up.log 80
grep -v ' TX \| RX ' "$GLOG" >/tmp/gadget-events.log
show_log /tmp/gadget-events.log 40
ffs_stop modem
finish
