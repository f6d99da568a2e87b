# Scenario: the real option driver end to end. An unknown-ID serial stick (gser, 12d1:1c1e) gets
# option through new_id (written by this script), /dev/ttyUSB0 appears, and a tiny responder on
# the gadget side (/dev/ttyGS0) answers OK to every command: `dongle probe --port /dev/ttyUSB0`
# must find an AT port through option -> dummy_hcd -> gser.
# Run by hand: testbed/run.sh --env DONGLE="$PWD/target/debug/dongle" testbed/scenarios/probe_option.sh
: "${DONGLE:?set DONGLE to the host path of the dongle binary (run.sh --env DONGLE=...)}"

g_new stick 0x12d1 0x1c1e
g_gser stick
g_bind stick
wait_for /dev/ttyGS0 10 || vusb_die "no /dev/ttyGS0 on the gadget side"
option_new_id 12d1 1c1e ff
check "option bound to 1-1:1.0 after new_id" wait_driver 1-1:1.0 option 15
check "/dev/ttyUSB0 present" wait_for /dev/ttyUSB0 10
usb_summary

# Gadget-side modem: raw tty, CR ends a command (icrnl turns it into the newline read wants).
stty -F /dev/ttyGS0 raw -echo icrnl
(
    exec 3<>/dev/ttyGS0
    while IFS= read -r line <&3; do
        case "$line" in
            "") ;;
            *) echo "gadget got: $line" >>/tmp/gser.log; printf '\r\nOK\r\n' >&3 ;;
        esac
    done
) &
responder=$!
sleep 0.2

capture probe-json host "$DONGLE" --json probe --port /dev/ttyUSB0 --timeout 3000
check "the gadget received an AT command" grep -q 'gadget got: AT' /tmp/gser.log
echo "VUSB: gadget log:"; sed 's/^/VUSB:   /' /tmp/gser.log
kill "$responder" 2>/dev/null
finish
