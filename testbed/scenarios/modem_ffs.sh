# Scenario: the e3372 stick (12d1:1506) played by dongle-gadget over FunctionFS (ff/02/01 modem +
# ff/02/02 PCUI, answered by the dongle-sim firmware model) plus the kernel's ncm function. option
# binds both serial interfaces by class (no new_id); `dongle probe` and `dongle info` run on the
# real ttyUSB ports.
# Run by hand (see testbed/README.md for building the static dongle-gadget):
#   testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#       --env DONGLE="$PWD/target/debug/dongle" testbed/scenarios/modem_ffs.sh
: "${DONGLE:?set DONGLE to the host path of the dongle binary (run.sh --env DONGLE=...)}"
GLOG=/tmp/gadget-modem.log

modem_stick --ncm 0x12d1 0x1506 e3372
check "option bound to ff/02/01 (1-1:1.0)" wait_driver 1-1:1.0 option 10
check "option bound to ff/02/02 (1-1:1.1)" wait_driver 1-1:1.1 option 10
check "cdc_ncm bound to 1-1:1.2" wait_driver 1-1:1.2 cdc_ncm 10
check "/dev/ttyUSB0 present" wait_for /dev/ttyUSB0 5
check "/dev/ttyUSB1 present" wait_for /dev/ttyUSB1 5
usb_summary
capture probe-json host "$DONGLE" --json probe
capture info-json host "$DONGLE" --json info
check "the daemon saw DTR from option (SET_CONTROL_LINE_STATE)" grep -q 'DTR ttyUSB1 1' "$GLOG"
show_log "$GLOG" 200
ffs_stop modem
finish
