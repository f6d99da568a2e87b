# Scenario: a Huawei stick in storage mode (12d1:1f01, the ZeroCD CD-ROM personality).
# The kernel's mass_storage function plays the CD-ROM; the real usb-storage + sr_mod must bind.
# Run by hand: testbed/run.sh --env DONGLE="$PWD/target/debug/dongle" testbed/scenarios/storage.sh
: "${DONGLE:?set DONGLE to the host path of the dongle binary (run.sh --env DONGLE=...)}"

g_new stick 0x12d1 0x1f01
g_mass_storage stick
g_bind stick
check "usb-storage bound to 1-1:1.0" wait_driver 1-1:1.0 usb-storage 15
check "/dev/sr0 present (sr_mod attached the CD-ROM)" wait_for /dev/sr0 15
usb_summary
capture list-json host "$DONGLE" --json list
capture list host "$DONGLE" list
finish
