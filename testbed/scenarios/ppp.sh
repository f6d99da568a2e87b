# Scenario: a PPP data call at link level through the real option driver. The gadget
# (ppp_peer_gadget: e3372 over FunctionFS + ncm) raises DCD on CONNECT and hands the data phase to a
# network-side pppd on a PTY; the host side runs the HOST's pppd + chat (through the 9p share, as
# `dongle up` will) on /dev/ttyUSB0 with /etc/ppp/options as installed (`modem`: it waits for DCD).
# ppp0 must get 192.0.2.2; stopping the host pppd drops DTR: the call ends, DCD falls, the peer stops.
# Run by hand: testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#       --env DONGLE="$PWD/target/debug/dongle" testbed/scenarios/ppp.sh
GLOG=/tmp/gadget-modem.log

ppp_peer_gadget
check "option bound to ff/02/01 (1-1:1.0)" wait_driver 1-1:1.0 option 10
check "/dev/ttyUSB0 present" wait_for /dev/ttyUSB0 5
check "host pppd and chat present" host test -x /usr/sbin/pppd -a -x /usr/sbin/chat

t0=$(cut -d' ' -f1 /proc/uptime)
# Host programs see the guest's /run (not its /tmp): the log goes there.
host_bg /usr/sbin/pppd /dev/ttyUSB0 115200 nodetach noauth nocrtscts noipv6 noipdefault \
    lcp-echo-interval 0 maxfail 1 connect "/usr/sbin/chat -v '' AT OK ATD*99# CONNECT" \
    logfile /run/host-ppp.log
host_ppp=$!
check "ppp0 got $PPP_HOST_ADDR from the network side" wait_ppp_addr ppp0 "$PPP_HOST_ADDR" 30
t1=$(cut -d' ' -f1 /proc/uptime)
echo "VUSB: time dial ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')"
ip addr show ppp0 2>&1 | sed 's/^/VUSB:   /'
check "ppp0 peer is $PPP_NET_ADDR" sh -c "ip -4 addr show ppp0 | grep -q 'peer $PPP_NET_ADDR'"
check "DCD raised on CONNECT (SERIAL_STATE 03)" grep -q 'SERIAL_STATE ttyUSB0 a120000000000200 *0300' "$GLOG"
kill "$host_ppp" 2>/dev/null
check "host pppd stopped" sh -c "n=100; while kill -0 $host_ppp 2>/dev/null; do n=\$((n-1)); [ \$n -gt 0 ] || exit 1; sleep 0.05; done"
check "ppp0 gone after hang-up" wait_gone /sys/class/net/ppp0 5
check "DCD dropped on hang-up" sh -c "n=100; until grep -q 'DCD ttyUSB0 0' $GLOG; do n=\$((n-1)); [ \$n -gt 0 ] || exit 1; sleep 0.05; done"
check "peer pppd stopped" sh -c "n=100; until grep -q 'PEER ttyUSB0: exited' $GLOG; do n=\$((n-1)); [ \$n -gt 0 ] || exit 1; sleep 0.05; done"
show_log /run/host-ppp.log 60
show_log /tmp/peer-ppp.log 60
grep -v ' TX \| RX ' "$GLOG" >/tmp/gadget-events.log
show_log /tmp/gadget-events.log 60
ffs_stop modem
finish
