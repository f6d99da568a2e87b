# Scenario: a 12d1:1506-like stick in one configuration: a serial function (gser, ff/00/00) and
# the kernel NCM function (02/0d/00), so the real cdc_ncm driver creates a network interface.
# Run by hand: testbed/run.sh --env DONGLE="$PWD/target/debug/dongle" testbed/scenarios/ncm_gser.sh
: "${DONGLE:?set DONGLE to the host path of the dongle binary (run.sh --env DONGLE=...)}"

g_new stick 0x12d1 0x1506
g_gser stick
g_ncm stick
g_bind stick
check "cdc_ncm bound to the NCM control interface 1-1:1.1" wait_driver 1-1:1.1 cdc_ncm 15
check "a network interface under 1-1:1.1" wait_for /sys/bus/usb/devices/1-1:1.1/net 10
usb_summary
ip -o link show 2>&1 | grep -v ' lo:' || true
capture list-json host "$DONGLE" --json list
capture list host "$DONGLE" list
finish
