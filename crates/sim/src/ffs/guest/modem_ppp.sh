# Guest script (testbed/run.sh): a full PPP dial through the real option driver. The host side
# runs pppd on /dev/ttyUSB0 WITHOUT `local` (it waits for DCD, which dongle-gadget raises with a
# CDC SERIAL_STATE notification on CONNECT); dongle-gadget hands the data phase to a network-side
# pppd on a PTY (--ppp-peer). ppp0 must get 192.0.2.2; killing the host pppd drops DTR: the call
# ends, DCD falls and the peer is stopped.
# Run: testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#          [--file PATH/slhc.ko:/slhc.ko] crates/sim/src/ffs/guest/modem_ppp.sh
MLOG=/tmp/gadget-modem.log
PPPD=$(command -v pppd || echo /usr/sbin/pppd)
CHAT=$(command -v chat || echo /usr/sbin/chat)
# ppp_generic needs slhc (drivers/net/slip); if the base initramfs lacks it, pass it with
# --file .../slhc.ko:/slhc.ko and it is loaded here.
[ -f /slhc.ko ] && insmod /slhc.ko
modprobe ppp_generic 2>&1 | sed 's/^/VUSB: modprobe: /'
modprobe ppp_async 2>&1 | sed 's/^/VUSB: modprobe: /'
# devtmpfs normally creates /dev/ppp (char 108:0); make it by hand if this /dev does not.
wait_for /dev/ppp 2 || { grep -q ' ppp$' /proc/devices && mknod /dev/ppp c 108 0; }
echo "VUSB: $(grep ' ppp$' /proc/devices) $(ls -l /dev/ppp 2>&1)"
check "/dev/ppp present" wait_for /dev/ppp 5

g_new stick 0x12d1 0x1506
g_ffs stick modem
ffs_start modem /bin/dongle-gadget serve --profile e3372 --ffs /dev/ffs-modem --log "$MLOG" \
    --ppp-peer "$PPPD nodetach noauth local nocrtscts noipv6 lcp-echo-interval 0 192.0.2.1:192.0.2.2 logfile /tmp/peer-ppp.log"
g_ncm stick
g_bind stick
check "option bound to ff/02/01" wait_driver 1-1:1.0 option 10
check "/dev/ttyUSB0 present" wait_for /dev/ttyUSB0 5

t0=$(cut -d' ' -f1 /proc/uptime)
"$PPPD" /dev/ttyUSB0 115200 nodetach noauth nocrtscts noipv6 noipdefault lcp-echo-interval 0 maxfail 1 \
    connect "$CHAT -v '' AT OK ATD*99# CONNECT" logfile /tmp/host-ppp.log &
host_ppp=$!
n=400
while ! ip addr show ppp0 2>/dev/null | grep -q 'inet 192.0.2.2'; do
    n=$((n - 1)); [ "$n" -gt 0 ] || break
    sleep 0.05
done
t1=$(cut -d' ' -f1 /proc/uptime)
echo "VUSB: dial -> ppp0 address: $t0 -> $t1"
ip addr show ppp0 2>&1 | sed 's/^/VUSB:   /'
check "ppp0 got 192.0.2.2 from the network side" sh -c "ip addr show ppp0 | grep -q 'inet 192.0.2.2'"
check "DCD raised on CONNECT (SERIAL_STATE 03)" grep -q 'SERIAL_STATE ttyUSB0 a120000000000200 *0300' "$MLOG"
kill "$host_ppp"; wait "$host_ppp"
sleep 1
check "DCD dropped on hang-up" grep -q 'DCD ttyUSB0 0' "$MLOG"
check "peer pppd stopped" grep -q 'PEER ttyUSB0: exited' "$MLOG"
echo "VUSB: host pppd log:"; sed 's/^/VUSB:   /' /tmp/host-ppp.log
echo "VUSB: peer pppd log:"; sed 's/^/VUSB:   /' /tmp/peer-ppp.log
echo "VUSB: gadget log:"; grep -v ' TX \| RX ' "$MLOG" | sed 's/^/VUSB:   /' | head -60
ffs_stop modem
finish
