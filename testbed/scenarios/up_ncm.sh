# Scenario: `dongle up --via ncm` end to end. The e3372 gadget (serial ports over FunctionFS from
# the dongle-sim model + the kernel ncm function, so the real cdc_ncm driver makes wwan0) answers
# ^NDISDUP / ^NDISSTATQRY? / ^DHCP? on the PCUI port. `dongle up` (the cargo-built binary through
# the 9p share) finds the ports, checks SIM and registration, clears a stale session, connects
# over NDIS and configures wwan0 with the HOST's real `ip` (iproute2) statically from ^DHCP? (no
# DHCP client in the chroot; DONGLE_DHCP=none makes that explicit): 100.92.236.163/29, default
# route via 100.92.236.161. `dongle down` ends it: address gone, ^NDISDUP=1,0 reached the gadget.
# Run by hand: testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#       --env DONGLE="$PWD/target/debug/dongle" testbed/scenarios/up_ncm.sh
: "${DONGLE:?}"
GLOG=/tmp/gadget-modem.log
ADDR=100.92.236.163
mkdir -p /run/lock

modem_stick --ncm 0x12d1 0x1506 e3372
check "option bound to the PCUI port (1-1:1.1)" wait_driver 1-1:1.1 option 10
check "cdc_ncm bound to the NCM control interface (1-1:1.2)" wait_driver 1-1:1.2 cdc_ncm 15
check "a network interface under 1-1:1.2" wait_for /sys/bus/usb/devices/1-1:1.2/net 10
IFACE=$(ls /sys/bus/usb/devices/1-1:1.2/net 2>/dev/null | head -1)
echo "VUSB: ncm interface $IFACE"
usb_summary

t0=$(cut -d' ' -f1 /proc/uptime)
host_bg DONGLE_DHCP=none "$DONGLE" -v up --via ncm >/run/dongle-up.log 2>&1
up_pid=$!
check "$IFACE got $ADDR/29 through dongle up" wait_ppp_addr "$IFACE" "$ADDR/29" 40
t1=$(cut -d' ' -f1 /proc/uptime)
echo "VUSB: time up ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')"
check "default route via 100.92.236.161 dev $IFACE" sh -c "n=200; until ip route show default | grep -q 'via 100.92.236.161 dev $IFACE'; do n=\$((n-1)); [ \$n -gt 0 ] || exit 1; sleep 0.05; done"
check "$IFACE is up" sh -c "ip link show $IFACE | grep -q ',UP'"
capture status host "$DONGLE" --json status
capture addr ip -4 addr show dev "$IFACE"
capture routes ip -4 route

capture down host "$DONGLE" down
check "dongle up exited" sh -c "n=300; while kill -0 $up_pid 2>/dev/null; do n=\$((n-1)); [ \$n -gt 0 ] || exit 1; sleep 0.05; done"
check "no address on $IFACE after dongle down" sh -c "! ip -4 addr show dev $IFACE | grep -q inet"
check "no default route via $IFACE after dongle down" sh -c "! ip route show default | grep -q $IFACE"
check "the gadget got AT^NDISDUP=1,0" grep -q 'NDISDUP=1,0' "$GLOG"

# Again with a DHCP client: busybox udhcpd on the gadget's end of the NCM link (usb0) leases
# 10.64.64.2; on the host side the host's busybox udhcpc (as /run/udhcpc, with a small script
# that applies the lease with ip) is what `dongle up` finds through DONGLE_DHCP. The lease, not
# ^DHCP?, must end up on wwan0; `dongle down` stops udhcpc (-R: releases) and the address goes.
GIF=$(cat /sys/kernel/config/usb_gadget/stick/functions/ncm.0/ifname 2>/dev/null)
ip addr add 10.64.64.1/24 dev "$GIF" && ip link set "$GIF" up
printf 'start 10.64.64.2\nend 10.64.64.2\ninterface %s\nlease_file /tmp/udhcpd.leases\nmax_leases 1\noption subnet 255.255.255.0\noption router 10.64.64.1\noption dns 10.64.64.1\n' "$GIF" >/tmp/udhcpd.conf
touch /tmp/udhcpd.leases
udhcpd -f -a 100 /tmp/udhcpd.conf >/tmp/udhcpd.log 2>&1 &
dhcpd_pid=$!
printf '#!/bin/sh\nexec /usr/bin/busybox udhcpc -s /run/udhcpc.script "$@"\n' >/run/udhcpc
cat >/run/udhcpc.script <<'SCRIPT'
#!/bin/sh
echo "$1 $interface $ip/$mask $router" >>/run/udhcpc.events
case "$1" in
    bound|renew) ip -4 addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface"
        [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface" ;;
    deconfig) ip -4 addr flush dev "$interface" ;;
esac
exit 0
SCRIPT
chmod +x /run/udhcpc /run/udhcpc.script
host_bg DONGLE_DHCP=/run/udhcpc "$DONGLE" -v up --via ncm --apn web.pt.lu >/run/dongle-up2.log 2>&1
up_pid=$!
check "$IFACE got the DHCP lease 10.64.64.2/24 through dongle up" wait_ppp_addr "$IFACE" "10.64.64.2/24" 40
check "dongle up said it is online with the lease" sh -c "n=200; until grep -q 'Online: wwan0 10.64.64.2/24 via NCM (DHCP (udhcpc); gateway 10.64.64.1' /run/dongle-up2.log; do n=\$((n-1)); [ \$n -gt 0 ] || exit 1; sleep 0.05; done"
capture down2 host "$DONGLE" down
check "dongle up (DHCP) exited" sh -c "n=300; while kill -0 $up_pid 2>/dev/null; do n=\$((n-1)); [ \$n -gt 0 ] || exit 1; sleep 0.05; done"
check "no address on $IFACE after the DHCP client stopped" sh -c "! ip -4 addr show dev $IFACE | grep -q inet"
kill "$dhcpd_pid" 2>/dev/null
show_log /run/dongle-up.log 60
show_log /run/dongle-up2.log 40
show_log /run/udhcpc.events 10
grep -v ' TX \| RX ' "$GLOG" >/tmp/gadget-events.log
show_log /tmp/gadget-events.log 30
ffs_stop modem
finish
