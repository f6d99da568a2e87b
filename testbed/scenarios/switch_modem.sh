# Scenario: `dongle switch` end to end on the real USB stack. dongle-gadget plays the ZeroCD
# storage personality (12d1:1f01, Bulk-Only CD-ROM): usb-storage + sr_mod attach it. `dongle
# switch` detaches usb-storage, sends the Huawei message over usbfs to the bulk OUT endpoint
# dummy_hcd assigned, and waits on uevents; the daemon logs the CBW and exits 42, and this script
# re-creates the gadget as the modem 12d1:1506 (e3372 over FunctionFS + ncm), as the stick would.
# Run by hand: testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#       --env DONGLE="$PWD/target/debug/dongle" testbed/scenarios/switch_modem.sh
: "${DONGLE:?set DONGLE to the host path of the dongle binary (run.sh --env DONGLE=...)}"
SLOG=/tmp/gadget-storage.log
HUAWEI_NEW=55534243123456780000000000000011062000000101000100000000000000

g_new stick 0x12d1 0x1f01
g_ffs stick storage
gadget_storage storage
g_bind stick
check "usb-storage bound to 1-1:1.0" wait_driver 1-1:1.0 usb-storage 10
check "sr0 attached" wait_for /dev/sr0 10
usb_summary
capture switch-dry host "$DONGLE" --json switch --dry-run

# dongle switch in the background; the stick's side of the re-enumeration in the foreground.
capture switch host "$DONGLE" --json switch --timeout 60 >/tmp/switch.out 2>&1 &
sw=$!
ffs_wait_exit storage 60
rc=$?
echo "VUSB: dongle-gadget storage exit=$rc"
check "storage daemon exited 42 on the bulk switch message" [ "$rc" = 42 ]
g_remove stick
modem_stick --ncm 0x12d1 0x1506 e3372
wait "$sw"
cat /tmp/switch.out

check "switch CBW logged" grep -q "SWITCH $HUAWEI_NEW" "$SLOG"
check "option bound to ff/02/01 (1-1:1.0)" wait_driver 1-1:1.0 option 10
check "option bound to ff/02/02 (1-1:1.1)" wait_driver 1-1:1.1 option 10
check "/dev/ttyUSB0 present" wait_for /dev/ttyUSB0 5
check "/dev/ttyUSB1 present" wait_for /dev/ttyUSB1 5
check "avoid_reset_quirk set" grep -qx 1 /sys/bus/usb/devices/1-1/avoid_reset_quirk
usb_summary
show_log "$SLOG"
ffs_stop modem
finish
