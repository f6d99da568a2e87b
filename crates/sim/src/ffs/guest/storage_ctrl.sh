# Guest script (testbed/run.sh): a vendor control request (usb_modeswitch's SierraMode-style
# 40 0b 0001 0000, sent over usbfs to the device) reaches the storage personality because it sets
# FUNCTIONFS_ALL_CTRL_RECIP; dongle-gadget logs SWITCH <setup hex> and exits 43.
# Run: testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#          --env REPO="$PWD" crates/sim/src/ffs/guest/storage_ctrl.sh
: "${REPO:?set REPO to the host path of the checkout (run.sh --env REPO=...)}"
SLOG=/tmp/gadget-storage.log
g_new stick 0x12d1 0x1f01
g_ffs stick storage
ffs_start storage /bin/dongle-gadget storage --ffs /dev/ffs-storage --log "$SLOG"
g_bind stick
check "sr0 attached" wait_for /dev/sr0 10
capture usbsend host python3 "$REPO/crates/sim/src/ffs/guest/usbsend.py" ctrl 1-1 40 0b 0001 0000
ffs_wait_exit storage 10
rc=$?
echo "VUSB: dongle-gadget storage exit=$rc"
check "daemon exited 43 on the vendor control request" [ "$rc" = 43 ]
check "SWITCH with the setup packet logged" grep -q 'SWITCH 400b010000000000' "$SLOG"
check "the device dropped off the bus" wait_gone /sys/bus/usb/devices/1-1 10
echo "VUSB: storage log:"; sed 's/^/VUSB:   /' "$SLOG"
finish
