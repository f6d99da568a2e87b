# Scenario: the legacy serial personality 12d1:1001 (e3531-serial profile: three ff/ff/ff ports,
# modem / DIAG / PCUI) over FunctionFS. option binds all three; the DIAG port never answers, and
# `dongle probe` must say so (at: false, answer: silent) without making the whole probe slow.
# Run by hand: testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#       --env DONGLE="$PWD/target/debug/dongle" testbed/scenarios/e3531_diag.sh
: "${DONGLE:?set DONGLE to the host path of the dongle binary (run.sh --env DONGLE=...)}"
GLOG=/tmp/gadget-modem.log

modem_stick 0x12d1 0x1001 e3531-serial
for i in 0 1 2; do
    check "option bound to 1-1:1.$i" wait_driver "1-1:1.$i" option 10
    check "/dev/ttyUSB$i present" wait_for "/dev/ttyUSB$i" 5
done
usb_summary
capture probe-json host "$DONGLE" --json probe
check "the silent DIAG port (ttyUSB1) got AT but sent nothing back" grep -q 'RX ttyUSB1: AT' "$GLOG"
show_log "$GLOG" 120
ffs_stop modem
finish
