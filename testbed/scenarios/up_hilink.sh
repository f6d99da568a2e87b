# Scenario: `dongle up` with a HiLink stick, end to end. The gadget (hilink_stick: 12d1:14dc with
# the kernel ecm function, so the real cdc_ether driver makes eth0) keeps its end of the link in
# its own network namespace with busybox udhcpd and dongle-sim's HiLink API (dongle-gadget
# hilink) at 192.168.8.1:80. `dongle up` (no --via: a HiLink stick is all that is plugged in)
# must find eth0, run the system's DHCP client on it (the host's busybox udhcpc through
# DONGLE_DHCP, as for NCM), turn the stick's data switch on over the API at the gateway, wait for
# ConnectionStatus 901 and say so; `dongle status` shows it, `dongle down` switches data off and
# releases the lease.
# Round 2: another interface already has 192.168.8.0/24 (an address on lo): `dongle up` must
# notice the collision, move the stick to 192.168.9.0/24 with dhcp/settings (the gadget's end
# follows: usb0 and udhcpd move), run DHCP again and come up on 192.168.9.100.
# Run by hand: testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#       --env DONGLE="$PWD/target/debug/dongle" testbed/scenarios/up_hilink.sh
: "${DONGLE:?}"
GLOG=/tmp/gadget-hilink.log

# The binary runs from the host's tree: note when it is rebuilt under us (a shared checkout).
BIN_MTIME=$(host stat -c %Y "$DONGLE")
hilink_stick
check "cdc_ether bound to the stick's ECM interface (1-1:1.0)" wait_driver 1-1:1.0 cdc_ether 10
check "a network interface under 1-1:1.0" wait_for /sys/bus/usb/devices/1-1:1.0/net 10
IFACE=$(ls /sys/bus/usb/devices/1-1:1.0/net 2>/dev/null | head -1)
echo "VUSB: hilink interface $IFACE"
usb_summary
host_udhcpc

t0=$(cut -d' ' -f1 /proc/uptime)
host_bg DONGLE_DHCP=/run/udhcpc "$DONGLE" -v up >/run/dongle-up.log 2>&1
up_pid=$!
check "$IFACE got the lease 192.168.8.100/24 through dongle up" wait_ppp_addr "$IFACE" "192.168.8.100/24" 40
if [ "$VUSB_FAILS" != 0 ]; then
    # Everything after this needs the lease: show why there is none while there is time.
    show_log /run/dongle-up.log 30
    show_log /run/udhcpc.events 10
    show_log /tmp/udhcpd.log 20
    nsenter -t "$HILINK_NS" -n ip addr show dev "$HILINK_GIF" | sed 's/^/VUSB: stick side: /'
    ip addr show dev "$IFACE" | sed 's/^/VUSB: host side: /'
    finish
fi
check "dongle up said it is online over HiLink on $IFACE" wait_for_line /run/dongle-up.log "Online: HiLink http://192.168.8.1 on $IFACE 192.168.8.100/24 (DHCP (udhcpc)" 40
t1=$(cut -d' ' -f1 /proc/uptime)
echo "VUSB: time up ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')"
check "default route via the stick 192.168.8.1 dev $IFACE" sh -c "ip route show default | grep -q 'via 192.168.8.1 dev $IFACE'"
check "the stick got the data switch on over the link" grep -q 'HTTP POST /api/dialup/mobile-dataswitch' "$GLOG"
capture status host "$DONGLE" --json status
capture hstatus host "$DONGLE" --json hilink status http://192.168.8.1

capture down host "$DONGLE" down
check "dongle up exited" sh -c "n=300; while kill -0 $up_pid 2>/dev/null; do n=\$((n-1)); [ \$n -gt 0 ] || exit 1; sleep 0.05; done"
check "no address on $IFACE after dongle down" sh -c "! ip -4 addr show dev $IFACE | grep -q inet"
check "the stick's data switch is off after dongle down" sh -c "[ \$(grep -c 'HTTP POST /api/dialup/mobile-dataswitch' $GLOG) -ge 2 ]"

# Round 2: 192.168.8.0/24 is taken on this host.
ip addr add 192.168.8.77/24 dev lo
host_bg DONGLE_DHCP=/run/udhcpc "$DONGLE" -v up >/run/dongle-up2.log 2>&1
up_pid=$!
check "dongle up named the collision and the new subnet" wait_for_line /run/dongle-up2.log "is also lo's: moving the stick to 192.168.9.0/24" 40
check "the stick moved to 192.168.9.1" wait_for_line "$GLOG" "SUBNET 192.168.9.1" 20
check "$IFACE got 192.168.9.100/24 after the move" wait_ppp_addr "$IFACE" "192.168.9.100/24" 40
check "dongle up is online through the moved stick" wait_for_line /run/dongle-up2.log "Online: HiLink http://192.168.9.1 on $IFACE 192.168.9.100/24" 40
check "dongle up said the stick moved" grep -q "The stick now uses 192.168.9.0/24" /run/dongle-up2.log
capture status2 host "$DONGLE" --json status
capture down2 host "$DONGLE" down
host "$DONGLE" down >/run/down2.out 2>&1
[ "$(host stat -c %Y "$DONGLE")" = "$BIN_MTIME" ] || echo "VUSB: note: $DONGLE was rebuilt during this scenario"
check "dongle up (moved) exited" sh -c "n=300; while kill -0 $up_pid 2>/dev/null; do n=\$((n-1)); [ \$n -gt 0 ] || exit 1; sleep 0.05; done"
check "no address on $IFACE after the second dongle down" sh -c "! ip -4 addr show dev $IFACE | grep -q inet"

# -v also logs the HTTP client's own lines: leave those out.
for f in /run/dongle-up.log /run/dongle-up2.log; do
    grep -v 'Call<\|PoolKey\|Resolved:\|Connected TcpStream\|Request {\|Response {\|\] GET \|\] POST ' "$f" >"$f.short"
    show_log "$f.short" 40
done
show_log /run/down2.out 5
show_log /run/udhcpc.events 10
show_log /tmp/udhcpd.log 20
show_log "$GLOG" 80
kill "$HILINK_PID" 2>/dev/null
finish
