# Scenario: `dongle daemon` takes a storage-mode stick from plug-in to online with no command
# typed. The daemon (the cargo-built binary through the 9p share, no configuration file, so every
# default) starts FIRST, with no modem on the bus. Then the stick is plugged: dongle-gadget's
# ZeroCD personality (12d1:1f01, Bulk-Only CD-ROM; usb-storage + sr_mod attach it). The daemon
# must notice it from the kernel's uevents, switch it (the storage daemon logs the Huawei CBW and
# exits 42; this script re-creates the stick as the modem 12d1:1506, e3372 over FunctionFS + the
# kernel ncm function, as the stick's firmware would), notice the re-enumeration, wait for the
# option ports and cdc_ncm's wwan0, and connect over NCM (the default for a stick with a Huawei
# NCM interface): wwan0 gets 100.92.236.163/29 from ^DHCP? (DONGLE_DHCP=none: no DHCP client in
# the chroot; DONGLE_APN_MEMORY: the host's /var/lib is read-only here). `dongle --json status`
# asks the daemon over its control socket: phase "up". SIGTERM: the daemon takes the link down
# (^NDISDUP=1,0 reaches the gadget, wwan0's address is flushed), removes its socket and pid file
# and exits 0.
# Second round, PPP: a configuration file with `via = "ppp"` and `apn = "daemon.test"` (the
# simulated network accepts any APN) and a second daemon; the stick is plugged again and
# switched again, and this time the daemon dials on ttyUSB0 with that APN and runs the host's
# pppd; the gadget bridges the data phase to a network-side pppd, which gives ppp0 192.0.2.2.
# SIGTERM: pppd terminated, ppp0 gone, exit 0.
# Timing lines (guest time, TCG): "VUSB: time ROUND plug->switched ms=… switched->modem ms=…
# modem->up ms=… plug->up ms=…" and "VUSB: time ROUND sigterm->exit ms=…".
# Run by hand: testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#       --env DONGLE="$PWD/target/debug/dongle" testbed/scenarios/daemon.sh
: "${DONGLE:?set DONGLE to the host path of the dongle binary (run.sh --env DONGLE=...)}"
SLOG=/tmp/gadget-storage.log
GLOG=/tmp/gadget-modem.log
HUAWEI_NEW=55534243123456780000000000000011062000000101000100000000000000
NCM_ADDR=100.92.236.163
mkdir -p /run/lock
ppp_modules

now() { cut -d' ' -f1 /proc/uptime; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
# until CMD succeeds, at most SECS (every 0.25 s)
until_ok() {
    _n=$(( $1 * 4 )); shift
    until "$@"; do
        _n=$((_n - 1)); [ "$_n" -gt 0 ] || return 1
        sleep 0.25
    done
}
status_up() { host "$DONGLE" --json status 2>/dev/null | grep -q '"phase": *"up"'; }
# no host-side pppd left (dongle's pppd has `linkname`; the network side's has not)
no_host_pppd() {
    for _c in /proc/[0-9]*/cmdline; do
        tr '\0' ' ' <"$_c" 2>/dev/null | grep -q '^[^ ]*pppd .* linkname ' && return 1
    done
    return 0
}
# A round that did not come up: the daemon's log now (the rest of the script would only wait
# out its time-outs), then stop with the failures counted so far.
give_up() {   # ROUND
    grep -v 'DEBUG] uevent \|URB\|DEBUG] Handling events' "$DLOG" | tail -n 60 >/tmp/daemon-tail.log
    show_log /tmp/daemon-tail.log 60
    capture "status-$1-failed" host "$DONGLE" --json status
    finish
}
pid_gone() {   # PID SECS: wait until PID has exited
    _n=$(( $2 * 20 ))
    while kill -0 "$1" 2>/dev/null; do
        _n=$((_n - 1)); [ "$_n" -gt 0 ] || return 1
        sleep 0.05
    done
}

# start_daemon LOG [ARGS...]: the daemon in the background, $DPID; wait for its control socket.
start_daemon() {
    DLOG="$1"; shift
    rm -f /run/dongle/dongle.sock
    host_bg DONGLE_DHCP=none DONGLE_APN_MEMORY=/run/dongle-apn.toml "$DONGLE" -v daemon "$@" >"$DLOG" 2>&1
    DPID=$!
    check "daemon listening on /run/dongle/dongle.sock" wait_for /run/dongle/dongle.sock 30
    check "daemon still running before any stick" kill -0 "$DPID"
}

# plug_storage_and_switch ROUND MODEM_CMD...: plug the ZeroCD stick; once the daemon's switch
# message makes dongle-gadget exit 42, re-create the stick with MODEM_CMD (its modem personality).
plug_storage_and_switch() {
    _round="$1"; shift
    rm -f "$SLOG" "$GLOG"
    g_new stick 0x12d1 0x1f01
    g_ffs stick storage
    gadget_storage storage
    T_PLUG=$(now)
    g_bind stick
    ffs_wait_exit storage 60
    _rc=$?
    T_SWITCHED=$(now)
    echo "VUSB: $_round: dongle-gadget storage exit=$_rc"
    check "$_round: storage stick switched by the daemon (exit 42)" [ "$_rc" = 42 ]
    check "$_round: switch CBW logged" grep -q "SWITCH $HUAWEI_NEW" "$SLOG"
    cp "$SLOG" "/tmp/gadget-storage-$_round.log"
    g_remove stick
    "$@"
    T_MODEM=$(now)
}

# ---------------------------------------------------------------- round 1: defaults (NCM)
start_daemon /run/daemon-ncm.log --config /run/no-such-config.toml
capture status-empty host "$DONGLE" --json status

plug_storage_and_switch ncm modem_stick --ncm 0x12d1 0x1506 e3372
check "ncm: option bound to the modem port (1-1:1.0)" wait_driver 1-1:1.0 option 10
check "ncm: option bound to the PCUI port (1-1:1.1)" wait_driver 1-1:1.1 option 10
check "ncm: cdc_ncm bound (1-1:1.2)" wait_driver 1-1:1.2 cdc_ncm 15
_fails=$VUSB_FAILS
check "ncm: wwan0 got $NCM_ADDR/29 with no command typed" wait_ppp_addr wwan0 "$NCM_ADDR/29" 60
[ "$VUSB_FAILS" = "$_fails" ] || give_up ncm
T_UP=$(now)
echo "VUSB: time ncm plug->switched ms=$(ms "$T_PLUG" "$T_SWITCHED") switched->modem ms=$(ms "$T_SWITCHED" "$T_MODEM") modem->up ms=$(ms "$T_MODEM" "$T_UP") plug->up ms=$(ms "$T_PLUG" "$T_UP")"
check "ncm: dongle status says up" until_ok 20 status_up
capture status-ncm host "$DONGLE" --json status
capture addr-ncm ip -4 addr show dev wwan0
usb_summary

T_TERM=$(now)
kill -TERM "$DPID"
check "ncm: daemon exited after SIGTERM" pid_gone "$DPID" 30
wait "$DPID"
rc=$?
echo "VUSB: time ncm sigterm->exit ms=$(ms "$T_TERM" "$(now)") rc=$rc"
check "ncm: daemon exit status 0" [ "$rc" = 0 ]
check "ncm: no address on wwan0 after SIGTERM" sh -c "! ip -4 addr show dev wwan0 | grep -q inet"
check "ncm: the gadget got AT^NDISDUP=1,0" grep -q 'NDISDUP=1,0' "$GLOG"
check "ncm: control socket removed" wait_gone /run/dongle/dongle.sock 2
check "ncm: pid file removed" wait_gone /run/dongle/daemon.pid 2
# the daemon's own lines and dongle's, without the per-uevent/URB debug lines
grep -v 'DEBUG] uevent \|URB\|DEBUG] Handling events' /run/daemon-ncm.log >/tmp/daemon-ncm.log
show_log /tmp/daemon-ncm.log 150
grep -v ' TX \| RX ' "$GLOG" >/tmp/gadget-events-ncm.log
show_log /tmp/gadget-events-ncm.log 40
ffs_stop modem
g_remove stick

# ---------------------------------------------------------------- round 2: via = "ppp"
printf '[defaults]\nvia = "ppp"\napn = "daemon.test"\n' >/run/dongle-ppp.toml
start_daemon /run/daemon-ppp.log --config /run/dongle-ppp.toml
plug_storage_and_switch ppp ppp_peer_gadget --ncm 0x12d1 0x1506 e3372
check "ppp: option bound to the modem port (1-1:1.0)" wait_driver 1-1:1.0 option 10
_fails=$VUSB_FAILS
check "ppp: ppp0 got $PPP_HOST_ADDR with no command typed" wait_ppp_addr ppp0 "$PPP_HOST_ADDR" 60
[ "$VUSB_FAILS" = "$_fails" ] || give_up ppp
T_UP=$(now)
echo "VUSB: time ppp plug->switched ms=$(ms "$T_PLUG" "$T_SWITCHED") switched->modem ms=$(ms "$T_SWITCHED" "$T_MODEM") modem->up ms=$(ms "$T_MODEM" "$T_UP") plug->up ms=$(ms "$T_PLUG" "$T_UP")"
check "ppp: the gadget got the configured APN" grep -q 'daemon\.test' "$GLOG"
check "ppp: dongle status says up" until_ok 20 status_up
capture status-ppp host "$DONGLE" --json status
capture addr-ppp ip -4 addr show dev ppp0

T_TERM=$(now)
kill -TERM "$DPID"
check "ppp: daemon exited after SIGTERM" pid_gone "$DPID" 30
wait "$DPID"
rc=$?
echo "VUSB: time ppp sigterm->exit ms=$(ms "$T_TERM" "$(now)") rc=$rc"
check "ppp: daemon exit status 0" [ "$rc" = 0 ]
check "ppp: ppp0 gone after SIGTERM" wait_gone /sys/class/net/ppp0 10
check "ppp: no host-side pppd left" no_host_pppd
# the daemon's own lines and dongle's, without the per-uevent/URB debug lines
grep -v 'DEBUG] uevent \|URB\|DEBUG] Handling events' /run/daemon-ppp.log >/tmp/daemon-ppp.log
show_log /tmp/daemon-ppp.log 150
grep -v ' TX \| RX ' "$GLOG" >/tmp/gadget-events-ppp.log
show_log /tmp/gadget-events-ppp.log 40
ffs_stop modem
finish
