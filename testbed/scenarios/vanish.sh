# Scenario: the stick drops off the bus in the middle of a command. dongle-gadget serves the e3372
# profile with a fault scenario: AT+CSQ on ttyUSB1 (the PCUI port `dongle info` talks to) unplugs
# the device (the daemon exits 44, FunctionFS closes, the gadget leaves the bus, option hangs the
# tty up). `dongle info` must exit 7 naming the port and saying it disappeared, and not hang.
# Run by hand: testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#       --env DONGLE="$PWD/target/debug/dongle" testbed/scenarios/vanish.sh
: "${DONGLE:?set DONGLE to the host path of the dongle binary (run.sh --env DONGLE=...)}"
GLOG=/tmp/gadget-modem.log
cat >/tmp/vanish.toml <<'TOML'
[ports.ttyUSB1]
vanish_on = "AT+CSQ"
TOML

modem_stick --ncm 0x12d1 0x1506 e3372 --scenario /tmp/vanish.toml
check "option bound to 1-1:1.1" wait_driver 1-1:1.1 option 10
check "/dev/ttyUSB1 present" wait_for /dev/ttyUSB1 5
capture info host "$DONGLE" info
ffs_wait_exit modem 10
rc=$?
echo "VUSB: dongle-gadget exit=$rc"
check "daemon exited 44 (vanished)" [ "$rc" = 44 ]
check "the device left the bus" wait_gone /sys/bus/usb/devices/1-1 10
check "/dev/ttyUSB1 is gone" wait_gone /dev/ttyUSB1 10
show_log "$GLOG" 200
finish
