# Guest side of the test-bed benchmark (busybox sh, gadget.sh sourced). Not a test: run it
# through testbed/bench/run.sh, which boots the VM and turns the "VUSB: bench ..." lines into
# the markdown table. Every time is guest uptime in ms (10 ms steps; TCG: only ratios within
# one run mean anything).
#
# Environment (run.sh sets it):
#   DONGLE        host path of the dongle binary under test (release build)
#   REPO          host path of the checkout (for bench/scripts/wvdialconf-in-ns.sh)
#   ROUNDS        plug -> AT rounds per tool (alternating), default 5
#   PROBE_RUNS    dongle probe runs per stick, default 5; WV_RUNS wvdialconf runs, default 2
#   MM_ROOT       host path of the unpacked ModemManager debs (empty: MM part skipped)
#   PARTS         which parts to run, default "switch phases probe mm"
#
# Lines printed (parsed by run.sh):
#   VUSB: bench switch TOOL ROUND bound=MS msg=MS ports=MS at=MS done=MS   (relative to the plug;
#                 TOOL dongle, usb_modeswitch, or dongle-add: dongle started before usb-storage binds)
#   VUSB: bench probe STICK TOOL RUN ms=MS found=N
#   VUSB: bench phase NAME ms=MS          (launch / start / plan: dongle's fixed costs, medians)
#   VUSB: bench mm STICK RUN listed=MS at=MS   VUSB: bench skip PART REASON
: "${DONGLE:?set DONGLE to the host path of the dongle binary}"
: "${REPO:?set REPO to the host path of the checkout}"
ROUNDS=${ROUNDS:-5}
PROBE_RUNS=${PROBE_RUNS:-5}
WV_RUNS=${WV_RUNS:-2}
PARTS=${PARTS:-switch phases probe mm}
modprobe option
uptime_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
bench() { echo "VUSB: bench $*"; }
want() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

at_ok() { # at_ok TTY: one AT round trip within 1 s
    stty -F "$1" raw -echo 2>/dev/null || return 1
    timeout 1 cat "$1" >/tmp/at.out 2>/dev/null &
    _c=$!
    sleep 0.05
    printf 'AT\r' >"$1" 2>/dev/null
    wait "$_c"
    grep -q OK /tmp/at.out
}
wait_at() { # wait_at TTY: until TTY exists and answers AT (10 s)
    _n=200
    until [ -e "$1" ] && at_ok "$1"; do
        _n=$((_n - 1)); [ "$_n" -gt 0 ] || return 1
        sleep 0.05
    done
}
running() { pidof "$1" >/dev/null 2>&1; } # busybox-static has pidof, not pgrep

# ---------------------------------------------------------------- 1. plug -> AT ready
# The stick: dongle-gadget storage 12d1:1f01 (BOT CD-ROM); on the switch message it exits 42 and
# this script re-creates it as the e3372 (12d1:1506, FunctionFS ports + kernel ncm), as the stick
# would. Each tool starts the moment usb-storage has bound (where udev's RUN fires). "ports" =
# option bound to the PCUI interface (ttyUSB1 there), "at" = ttyUSB1 answered AT to this script.

# watch_exit NAME FILE: in the background, wait until no process NAME is left, then write the
# uptime (ms) to FILE. Started once the switch message has arrived (the tool is running then),
# polling every 100 ms, so it does not slow the tool's own start; used for both tools alike (the
# dispatcher is a grandchild the script cannot wait for).
watch_exit() {
    (
        while running "$1"; do sleep 0.1; done
        uptime_ms >"$2"
    ) &
    WATCH_PID=$!
}

switch_round() { # switch_round TOOL N
    g_new stick 0x12d1 0x1f01
    g_ffs stick storage
    gadget_storage storage
    rm -f /tmp/tool.end
    t0=$(uptime_ms)
    g_bind stick
    # dongle-add: started as soon as the device is configured (a udev rule on the usb_device add
    # event, as usb_modeswitch's per-ID rules have), without waiting for usb-storage.
    [ "$1" = dongle-add ] || wait_driver 1-1:1.0 usb-storage 10 || vusb_die "usb-storage did not bind"
    tb=$(uptime_ms)
    case "$1" in
        dongle | dongle-add)
            host "$DONGLE" --json switch --timeout 60 >/tmp/tool.out 2>&1 &
            name=${DONGLE##*/}
            ;;
        # What the Huawei rule's RUN+="usb_modeswitch '%b/%k'" runs without systemd: the sh
        # helper, which starts `usb_modeswitch_dispatcher --switch-mode 1-1:1.0 &` and returns.
        usb_modeswitch)
            host /lib/udev/usb_modeswitch '1-1/1-1:1.0' >/tmp/tool.out 2>&1 &
            name=usb_modeswitch_dispatcher
            ;;
    esac
    tool=$!
    ffs_wait_exit storage 60
    rc=$?
    t1=$(uptime_ms)
    watch_exit "$name" /tmp/tool.end
    g_remove stick
    modem_stick --ncm 0x12d1 0x1506 e3372
    wait_driver 1-1:1.1 option 10 || bench "note $1 $2 option did not bind 1-1:1.1"
    tp=$(uptime_ms)
    wait_at /dev/ttyUSB1 || bench "note $1 $2 no AT answer on ttyUSB1"
    t2=$(uptime_ms)
    wait "$tool" # not a bare `wait`: the gadget daemon is a child too
    wait "$WATCH_PID"
    t3=$(cat /tmp/tool.end)
    [ "$rc" = 42 ] || bench "note $1 $2 storage daemon exit $rc (no switch message?)"
    bench "switch $1 $2 bound=$((tb - t0)) msg=$((t1 - t0)) ports=$((tp - t0)) at=$((t2 - t0)) done=$((t3 - t0))"
    [ "$1" = dongle ] && [ -n "${BENCH_DEBUG:-}" ] && grep -o '"elapsed_ms": *[0-9]*\|"via": *"[a-z]*"' /tmp/tool.out \
        | tr '\n' ' ' | sed 's/^/VUSB: bench note dongle says /; s/$/\n/'
    ffs_stop modem >/dev/null 2>&1
    g_remove stick
    rm -f /tmp/gadget-storage.log /tmp/gadget-modem.log
}

if want switch; then
    if host test -x /usr/sbin/usb_modeswitch_dispatcher && host test -x /lib/udev/usb_modeswitch; then
        have_ums=1
    else
        have_ums=0
        bench "skip usb_modeswitch: not installed on the host (apt-get install usb-modeswitch usb-modeswitch-data)"
    fi
    # One warm-up of each (9p page cache, module loading), not counted.
    switch_round dongle 0 >/dev/null
    [ "$have_ums" = 1 ] && switch_round usb_modeswitch 0 >/dev/null
    i=1
    while [ "$i" -le "$ROUNDS" ]; do
        switch_round dongle "$i"
        [ "$have_ums" = 1 ] && switch_round usb_modeswitch "$i"
        switch_round dongle-add "$i"
        i=$((i + 1))
    done
fi

# ---------------------------------------------------------------- 1b. where dongle's time goes
# Decomposed from outside (strace under TCG costs ~8 ms per traced call, more than the calls):
# the same launch path (`host` = chroot + env over 9p) with ever more of dongle's work, on the
# storage stick with usb-storage bound; medians of PROBE_RUNS runs.
phase_run() { # phase_run NAME CMD...: prints "phase NAME ms=MEDIAN"
    _name=$1; shift
    _r=0; _all=
    while [ "$_r" -le "$PROBE_RUNS" ]; do # run 0 is a warm-up
        _t0=$(uptime_ms)
        "$@" >/dev/null 2>&1
        _t1=$(uptime_ms)
        [ "$_r" -gt 0 ] && _all="$_all $((_t1 - _t0))"
        _r=$((_r + 1))
    done
    bench "phase $_name ms=$(echo $_all | tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
}
if want phases; then
    g_new stick 0x12d1 0x1f01
    g_ffs stick storage
    gadget_storage storage
    g_bind stick
    wait_driver 1-1:1.0 usb-storage 10 || vusb_die "usb-storage did not bind"
    phase_run launch host /bin/true
    phase_run start host "$DONGLE" --version
    phase_run plan host "$DONGLE" switch --dry-run
    ffs_stop storage >/dev/null 2>&1
    g_remove stick
fi

# ---------------------------------------------------------------- 2. dongle probe vs wvdialconf
probe_stick() { # probe_stick NAME NPORTS: the stick is plugged
    _last=$(($2 - 1))
    for _p in $(seq 0 "$_last"); do
        wait_driver "1-1:1.$_p" option 10 || vusb_die "$1: option did not bind 1-1:1.$_p"
        wait_for "/dev/ttyUSB$_p" 5 || vusb_die "$1: no /dev/ttyUSB$_p"
    done
    host "$DONGLE" probe >/dev/null 2>&1 # warm-up (9p page cache)
    _r=1
    while [ "$_r" -le "$PROBE_RUNS" ]; do
        _t0=$(uptime_ms)
        host "$DONGLE" --json probe >/tmp/probe.out 2>&1
        _t1=$(uptime_ms)
        bench "probe $1 dongle $_r ms=$((_t1 - _t0)) found=$(grep -o '"at": *true' /tmp/probe.out | wc -l)"
        _r=$((_r + 1))
    done
    if host test -x /usr/bin/wvdialconf; then
        _ports=
        for _p in $(seq 0 "$_last"); do _ports="$_ports /dev/ttyUSB$_p"; done
        _r=1
        while [ "$_r" -le "$WV_RUNS" ]; do
            rm -f /run/wvdial.conf
            _t0=$(uptime_ms)
            # shellcheck disable=SC2086 # word splitting of the port list is wanted
            host bash "$REPO/bench/scripts/wvdialconf-in-ns.sh" /run/wvdial.conf $_ports >/tmp/wv.out 2>&1
            _t1=$(uptime_ms)
            bench "probe $1 wvdialconf $_r ms=$((_t1 - _t0)) found=$(grep -c 'Modem Identifier' /tmp/wv.out)"
            _r=$((_r + 1))
        done
        grep -i 'found\|modem port' /tmp/wv.out | head -4 | sed 's/^/VUSB: bench note wvdialconf: /'
    else
        bench "skip wvdialconf not installed on the host (apt-get install wvdial)"
    fi
}
if want probe; then
    modem_stick --ncm 0x12d1 0x1506 e3372
    probe_stick e3372 2
    ffs_stop modem >/dev/null 2>&1
    g_remove stick
    modem_stick 0x12d1 0x1001 e3531-serial
    probe_stick e3531-serial 3
    ffs_stop modem >/dev/null 2>&1
    g_remove stick
fi

# ---------------------------------------------------------------- 3. ModemManager
if want mm; then
    if [ -z "${MM_ROOT:-}" ] || ! host test -x "$MM_ROOT/usr/sbin/ModemManager"; then
        bench "skip mm: ModemManager debs not cached (testbed/setup.sh caches them in target/vusb/mm)"
    else
        . /t-mm.sh
    fi
fi
finish
