# ModemManager part of the test-bed benchmark (sourced by guest.sh when MM_ROOT is set; busybox sh).
# Debian's ModemManager 1.20.4 the way a desktop runs it, minus systemd: a system D-Bus
# (the host's dbus-daemon, permissive policy), the host's systemd-udevd with MM's udev rules
# (ID_MM_CANDIDATE, port hints) from /run/udev/rules.d, and ModemManager + mmcli from the
# unpacked debs in $MM_ROOT (LD_LIBRARY_PATH, --test-plugin-dir). Measured: plug -> `mmcli -M`
# reports the modem object (the same moment `mmcli -L` starts listing it), against plug -> AT
# ready (script) and plug -> `dongle probe` done, on the e3372 and on the e3531-serial (one
# silent DIAG port, which MM has to time out).
MM_RUNS=${MM_RUNS:-2}
MMLIB="$MM_ROOT/usr/lib/x86_64-linux-gnu"
mmhost() { host env LD_LIBRARY_PATH="$MMLIB" "$@"; }

mm_setup() {
    host test -x /usr/bin/dbus-daemon || { bench "skip mm: no dbus-daemon on the host (apt-get install dbus-daemon)"; return 1; }
    udevd=
    for u in /lib/systemd/systemd-udevd /usr/lib/systemd/systemd-udevd; do host test -x "$u" && { udevd=$u; break; }; done
    [ -n "$udevd" ] || { bench "skip mm: no systemd-udevd on the host (apt-get install udev)"; return 1; }
    mkdir -p /run/dbus /run/udev/rules.d /run/mm-bench
    cp "/host$MM_ROOT"/lib/udev/rules.d/*.rules /run/udev/rules.d/
    cat >/run/mm-bench/dbus.conf <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
EOF
    vusb_log "mm: starting dbus-daemon, systemd-udevd, ModemManager"
    host dbus-daemon --config-file=/run/mm-bench/dbus.conf --fork --nopidfile \
        || { bench "skip mm: dbus-daemon did not start"; return 1; }
    wait_for /run/dbus/system_bus_socket 10 || { bench "skip mm: no system bus socket"; return 1; }
    host "$udevd" --daemon || { bench "skip mm: systemd-udevd did not start"; return 1; }
    mmhost "$MM_ROOT/usr/sbin/ModemManager" --test-plugin-dir="$MMLIB/ModemManager" \
        --test-no-suspend-resume --log-level=DEBUG --log-timestamps --log-file=/run/mm-bench/mm.log &
    MM_PID=$!
    _end=$(($(uptime_ms) + 60000))
    until mmhost timeout 5 "$MM_ROOT/usr/bin/mmcli" -L >/dev/null 2>&1; do
        [ "$(uptime_ms)" -lt "$_end" ] || { bench "skip mm: ModemManager not on the bus after 60 s"; show_log /run/mm-bench/mm.log 30; return 1; }
        sleep 0.5
    done
    mmhost "$MM_ROOT/usr/bin/mmcli" -M >/run/mm-bench/monitor.out 2>&1 &
    MON_PID=$!
    sleep 1
    bench "note mm: ModemManager $(mmhost "$MM_ROOT/usr/sbin/ModemManager" --version 2>/dev/null | head -1 | awk '{ print $2 }'), host systemd-udevd + dbus-daemon"
}

count_added() { grep -c '(+).*Modem/' /run/mm-bench/monitor.out; }

mm_round() { # mm_round NAME VID PID PROFILE NPORTS --ncm|- N
    _before=$(count_added)
    _ncm=
    [ "$6" = --ncm ] && _ncm=--ncm
    _t0=$(uptime_ms)
    modem_stick $_ncm "$2" "$3" "$4"
    wait_for "/dev/ttyUSB$(($5 - 1))" 10
    _tp=$(uptime_ms)
    _n=1200 # 60 s
    while [ "$(count_added)" -le "$_before" ]; do
        _n=$((_n - 1)); [ "$_n" -gt 0 ] || break
        sleep 0.05
    done
    _t1=$(uptime_ms)
    if [ "$_n" -gt 0 ]; then
        bench "mm $1 mm $7 ports=$((_tp - _t0)) ready=$((_t1 - _t0))"
    else
        bench "note mm $1 $7: no modem object within 60 s"
        show_log /run/mm-bench/mm.log 60
    fi
    ffs_stop modem >/dev/null 2>&1
    g_remove stick
    sleep 2 # MM drops the modem object
}

# dongle on the same sticks, before MM runs (MM would grab the ports): plug -> ttys -> `dongle
# probe` done (the AT ports and their roles known).
dongle_round() { # dongle_round NAME VID PID PROFILE NPORTS --ncm|- N
    _ncm=
    [ "$6" = --ncm ] && _ncm=--ncm
    _t0=$(uptime_ms)
    modem_stick $_ncm "$2" "$3" "$4"
    wait_for "/dev/ttyUSB$(($5 - 1))" 10
    _tp=$(uptime_ms)
    host "$DONGLE" probe >/dev/null 2>&1
    _t1=$(uptime_ms)
    bench "mm $1 dongle $7 ports=$((_tp - _t0)) ready=$((_t1 - _t0))"
    ffs_stop modem >/dev/null 2>&1
    g_remove stick
}

r=1
while [ "$r" -le "$MM_RUNS" ]; do
    dongle_round e3372 0x12d1 0x1506 e3372 2 --ncm "$r"
    dongle_round e3531-serial 0x12d1 0x1001 e3531-serial 3 - "$r"
    r=$((r + 1))
done
if mm_setup; then
    r=1
    while [ "$r" -le "$MM_RUNS" ]; do
        mm_round e3372 0x12d1 0x1506 e3372 2 --ncm "$r"
        mm_round e3531-serial 0x12d1 0x1001 e3531-serial 3 - "$r"
        r=$((r + 1))
    done
    show_log /run/mm-bench/monitor.out 20
    # MM's own account of the probing (for the "why": AT probe results, timeouts, plugin choice).
    grep -i 'ttyUSB[0-9].*\(AT\|QCDM\|probe\|timed out\|timeout\)\|port probing\|supported by\|modem.*\(exported\|created\)\|device.*\(grabbed\|created\)' \
        /run/mm-bench/mm.log >/run/mm-bench/mm-probe.log
    show_log /run/mm-bench/mm-probe.log 400
    [ -n "${BENCH_DEBUG:-}" ] && show_log /run/mm-bench/mm.log 400
    kill "$MON_PID" "$MM_PID" 2>/dev/null
fi
