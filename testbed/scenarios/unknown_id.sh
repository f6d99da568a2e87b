# Scenario: a stick whose ID no kernel driver knows (12d1:1c1e, one serial interface ff/00/00,
# the kernel gser function). Nothing binds until someone writes option's new_id: then
# `dongle switch 1-1` (already out of storage mode) does it, as `dongle doctor` tells users to.
# Run by hand: testbed/run.sh --env DONGLE="$PWD/target/debug/dongle" testbed/scenarios/unknown_id.sh
: "${DONGLE:?set DONGLE to the host path of the dongle binary (run.sh --env DONGLE=...)}"

modprobe option # loaded, so a missing binding is the ID table's doing, not a missing module
g_new stick 0x12d1 0x1c1e
g_gser stick
g_bind stick
wait_for /sys/bus/usb/devices/1-1:1.0/bInterfaceClass 10
sleep 1 # give mdev's modprobe (MODALIAS) time to bind anything that would bind
usb_summary
check "interface 1-1:1.0 is ff/00/00" test "$(cat /sys/bus/usb/devices/1-1:1.0/bInterfaceClass)/$(cat /sys/bus/usb/devices/1-1:1.0/bInterfaceSubClass)" = ff/00
check "no driver bound to 1-1:1.0" test ! -e /sys/bus/usb/devices/1-1:1.0/driver
check "no ttyUSB exists" test -z "$(ls /dev | grep ttyUSB)"
capture list-json host "$DONGLE" --json list
capture bind host "$DONGLE" --json switch 1-1
check "option bound to 1-1:1.0 by dongle switch" wait_driver 1-1:1.0 option 10
check "/dev/ttyUSB0 present after the bind" wait_for /dev/ttyUSB0 5
finish
