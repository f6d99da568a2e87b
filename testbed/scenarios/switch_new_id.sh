# Scenario: `dongle switch` when the switched ID is one no kernel driver knows. The ZeroCD storage
# personality (dongle-gadget, 12d1:1f01) takes the Huawei message and exits 42; the stick comes
# back as 12d1:1c1e with one vendor serial interface (kernel gser, ff/00/00), which option does
# not match. dongle must write option's new_id itself: option binds, /dev/ttyUSB0 appears.
# Run by hand: testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#       --env DONGLE="$PWD/target/debug/dongle" testbed/scenarios/switch_new_id.sh
: "${DONGLE:?set DONGLE to the host path of the dongle binary (run.sh --env DONGLE=...)}"
SLOG=/tmp/gadget-storage.log
HUAWEI_NEW=55534243123456780000000000000011062000000101000100000000000000

# Loaded (as on any desktop once a modem was seen), so a missing binding is the ID table's doing.
modprobe option
g_new stick 0x12d1 0x1f01
g_ffs stick storage
gadget_storage storage
g_bind stick
check "usb-storage bound to 1-1:1.0" wait_driver 1-1:1.0 usb-storage 10

capture switch host "$DONGLE" --json switch --timeout 60 >/tmp/switch.out 2>&1 &
sw=$!
ffs_wait_exit storage 60
rc=$?
echo "VUSB: dongle-gadget storage exit=$rc"
check "storage daemon exited 42 on the bulk switch message" [ "$rc" = 42 ]
g_remove stick
g_new stick 0x12d1 0x1c1e
g_gser stick
g_bind stick
wait "$sw"
cat /tmp/switch.out

check "switch CBW logged" grep -q "SWITCH $HUAWEI_NEW" "$SLOG"
check "option bound to 1-1:1.0 through new_id" wait_driver 1-1:1.0 option 10
check "/dev/ttyUSB0 present" wait_for /dev/ttyUSB0 5
check "option's dynamic ID table has 12d1 1c1e" grep -qi '^12d1 1c1e' /sys/bus/usb-serial/drivers/option1/new_id
check "avoid_reset_quirk set" grep -qx 1 /sys/bus/usb/devices/1-1/avoid_reset_quirk
usb_summary
show_log "$SLOG"
finish
