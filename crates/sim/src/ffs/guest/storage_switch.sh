# Guest script (testbed/run.sh): the ZeroCD storage personality (12d1:1f01, FunctionFS BOT CD-ROM)
# is attached by usb-storage + sr_mod (sr0); the HuaweiNewMode CBW sent over usbfs (usb-storage
# detached first, as usb_modeswitch does) makes dongle-gadget log it and exit 42; the script then
# re-creates the gadget as the modem 12d1:1506 and option binds ttyUSB0/1, which answer AT.
# Run (REPO = host path of this checkout, for the usbsend.py helper):
#   testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#       --env REPO="$PWD" crates/sim/src/ffs/guest/storage_switch.sh
: "${REPO:?set REPO to the host path of the checkout (run.sh --env REPO=...)}"
SLOG=/tmp/gadget-storage.log
MLOG=/tmp/gadget-modem.log
HUAWEI_NEW=55534243123456780000000000000011062000000101000100000000000000

g_new stick 0x12d1 0x1f01
g_ffs stick storage
ffs_start storage /bin/dongle-gadget storage --ffs /dev/ffs-storage --log "$SLOG"
g_bind stick
check "usb-storage bound to 1-1:1.0" wait_driver 1-1:1.0 usb-storage 10
check "sr0 attached" wait_for /dev/sr0 10
usb_summary
check "INQUIRY CBW logged" grep -q 'CBW 55534243.\{16\}80000612' "$SLOG"

t0=$(cat /proc/uptime | cut -d' ' -f1)
capture usbsend host python3 "$REPO/crates/sim/src/ffs/guest/usbsend.py" bulk 1-1 "$HUAWEI_NEW"
ffs_wait_exit storage 10
rc=$?
t1=$(cat /proc/uptime | cut -d' ' -f1)
echo "VUSB: dongle-gadget storage exit=$rc ($t0 -> $t1)"
check "daemon exited 42 on the Huawei switch CBW" [ "$rc" = 42 ]
check "switch CBW logged" grep -q "SWITCH $HUAWEI_NEW" "$SLOG"
wait_gone /sys/bus/usb/devices/1-1 10
check "the storage device dropped off the bus" [ ! -e /sys/bus/usb/devices/1-1 ]

# Re-enumerate as the target personality.
g_remove stick
g_new stick 0x12d1 0x1506
g_ffs stick modem
ffs_start modem /bin/dongle-gadget serve --profile e3372 --ffs /dev/ffs-modem --log "$MLOG"
g_ncm stick
g_bind stick
check "option bound to ff/02/01 after the switch" wait_driver 1-1:1.0 option 10
check "option bound to ff/02/02 after the switch" wait_driver 1-1:1.1 option 10
check "/dev/ttyUSB1 present" wait_for /dev/ttyUSB1 5
t2=$(cat /proc/uptime | cut -d' ' -f1)
echo "VUSB: switch CBW -> daemon exit -> modem ports ready: $t0 -> $t1 -> $t2"
usb_summary
stty -F /dev/ttyUSB1 raw -echo
timeout 1 cat /dev/ttyUSB1 >/tmp/at.out &
_cat=$!
sleep 0.2; printf 'AT\r' >/dev/ttyUSB1; wait "$_cat"
echo "VUSB: ttyUSB1 AT -> $(tr '\r\n' '||' </tmp/at.out)"
check "AT answered after the switch" grep -q OK /tmp/at.out

echo "VUSB: storage log:"; sed 's/^/VUSB:   /' "$SLOG"
ffs_stop modem
finish
