# Guest script (testbed/run.sh): the e3372 modem personality (12d1:1506) served by dongle-gadget
# over FunctionFS plus the kernel's ncm function. option must bind ff/02/01 and ff/02/02 by class
# (no new_id), ttyUSB0/1 must answer AT, and the daemon must see DTR from SET_CONTROL_LINE_STATE.
# Run:
#   RUSTFLAGS='-C target-feature=+crt-static' cargo build --release -p dongle-sim --bin dongle-gadget --target x86_64-unknown-linux-gnu
#   testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#       [--env DONGLE="$PWD/target/debug/dongle"] crates/sim/src/ffs/guest/modem_e3372.sh
GLOG=/tmp/gadget-modem.log

# at TTY CMD: send CMD + CR on TTY, print what came back within 1 s (one line, CR/LF shown as |).
at() {
    stty -F "$1" raw -echo 115200 2>/dev/null
    timeout 1 cat "$1" >/tmp/at.out 2>/dev/null &
    _cat=$!
    sleep 0.2
    printf '%s\r' "$2" >"$1"
    wait "$_cat" 2>/dev/null
    tr '\r\n' '||' </tmp/at.out
    echo
}

g_new stick 0x12d1 0x1506
g_ffs stick modem
ffs_start modem /bin/dongle-gadget serve --profile e3372 --ffs /dev/ffs-modem --log "$GLOG"
g_ncm stick
g_bind stick
check "option bound to ff/02/01 (1-1:1.0)" wait_driver 1-1:1.0 option 10
check "option bound to ff/02/02 (1-1:1.1)" wait_driver 1-1:1.1 option 10
check "cdc_ncm bound to 1-1:1.2" wait_driver 1-1:1.2 cdc_ncm 10
check "/dev/ttyUSB0 present" wait_for /dev/ttyUSB0 5
check "/dev/ttyUSB1 present" wait_for /dev/ttyUSB1 5
usb_summary

r=$(at /dev/ttyUSB1 AT); echo "VUSB: ttyUSB1 AT -> $r"
check "AT answered OK on ttyUSB1" sh -c "echo '$r' | grep -q OK"
r=$(at /dev/ttyUSB1 ATI); echo "VUSB: ttyUSB1 ATI -> $r"
check "ATI names the E3372" sh -c "echo '$r' | grep -q E3372"
r=$(at /dev/ttyUSB0 AT+CSQ); echo "VUSB: ttyUSB0 AT+CSQ -> $r"
check "AT+CSQ answered on ttyUSB0" sh -c "echo '$r' | grep -q '+CSQ: '"
r=$(at /dev/ttyUSB1 AT+BOGUS); echo "VUSB: ttyUSB1 AT+BOGUS -> $r"
check "unknown command gives ERROR" sh -c "echo '$r' | grep -q ERROR"

check "daemon saw SET_CONTROL_LINE_STATE DTR up" grep -q 'DTR ttyUSB1 1' "$GLOG"
check "daemon saw DTR drop on close" grep -q 'DTR ttyUSB1 0' "$GLOG"
check "daemon received AT+CSQ on ttyUSB0" grep -q 'RX ttyUSB0: AT+CSQ' "$GLOG"

if [ -n "${DONGLE:-}" ]; then
    capture probe host "$DONGLE" probe
    capture probe-json host "$DONGLE" --json probe
fi

echo "VUSB: gadget log:"; sed 's/^/VUSB:   /' "$GLOG" | head -80
ffs_stop modem
finish
