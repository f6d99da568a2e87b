# Benchmark (not a test): plug -> AT port ready, `dongle switch` versus usb_modeswitch as Debian
# runs it without systemd (/lib/udev/usb_modeswitch '1-1/1-1:1.0', what the udev rule's RUN
# does: it starts usb_modeswitch_dispatcher --switch-mode, which reads the config pack and runs
# usb_modeswitch), both from the host through the 9p share. The stick: dongle-gadget storage
# 12d1:1f01 -> (exit 42) -> e3372 12d1:1506 over FunctionFS + ncm. Each tool is started the
# moment usb-storage has bound (where udev's RUN would fire); "AT ready" = option bound,
# /dev/ttyUSB1 answers OK. Rounds alternate; prints "VUSB: bench TOOL ROUND MS".
# Run: testbed/run.sh --timeout 300 --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#          --env DONGLE="$PWD/target/debug/dongle" testbed/bench/plug_to_at.sh
# Needs usb-modeswitch installed on the host (the usb_modeswitch rows are skipped otherwise).
: "${DONGLE:?set DONGLE to the host path of the dongle binary (run.sh --env DONGLE=...)}"
ROUNDS=${ROUNDS:-3}
modprobe option
uptime_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }

at_ok() { # at_ok TTY: one AT round trip within 1 s
    stty -F "$1" raw -echo 2>/dev/null || return 1
    timeout 1 cat "$1" >/tmp/at.out 2>/dev/null &
    _c=$!
    sleep 0.05
    printf 'AT\r' >"$1"
    wait "$_c"
    grep -q OK /tmp/at.out
}

round() { # round TOOL N
    g_new stick 0x12d1 0x1f01
    g_ffs stick storage
    gadget_storage storage
    t0=$(uptime_ms)
    g_bind stick
    wait_driver 1-1:1.0 usb-storage 10 || vusb_die "usb-storage did not bind"
    tb=$(uptime_ms)
    case "$1" in
        dongle) host "$DONGLE" -q switch --timeout 60 >/tmp/tool.out 2>&1 & ;;
        usb_modeswitch) host /lib/udev/usb_modeswitch '1-1/1-1:1.0' >/tmp/tool.out 2>&1 & ;;
    esac
    tool=$!
    ffs_wait_exit storage 60
    rc=$?
    t1=$(uptime_ms)
    g_remove stick
    modem_stick --ncm 0x12d1 0x1506 e3372
    n=100
    until [ -e /dev/ttyUSB1 ] && at_ok /dev/ttyUSB1; do
        n=$((n - 1)); [ "$n" -gt 0 ] || { echo "VUSB: bench $1 $2 no AT port"; break; }
        sleep 0.05
    done
    t2=$(uptime_ms)
    wait "$tool" # not a bare `wait`: the gadget daemon is a child too
    echo "VUSB: bench $1 $2 plug->AT $((t2 - t0)) ms, tool start->message $((t1 - tb)) ms (daemon exit $rc)"
    sed 's/^/VUSB:   /' /tmp/tool.out | head -2
    ffs_stop modem
    g_remove stick
    rm -f "/tmp/gadget-storage.log" "/tmp/gadget-modem.log"
}

have_ums=0
host test -x /usr/sbin/usb_modeswitch_dispatcher && have_ums=1
i=1
while [ "$i" -le "$ROUNDS" ]; do
    round dongle "$i"
    [ "$have_ums" = 1 ] && round usb_modeswitch "$i"
    i=$((i + 1))
done
finish
