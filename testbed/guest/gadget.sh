# Guest-side helpers of the virtual USB test bed (busybox sh). /init sources this file before the
# test script, so every function below is available to a test script as is.
#
# One UDC (dummy_udc.0, high speed, one port): the gadget always shows up on the host side as
# USB device 1-1 (/sys/bus/usb/devices/1-1, interfaces 1-1:1.N).
#
# Gadget building blocks (configfs, /sys/kernel/config/usb_gadget/NAME, one config c.1):
#   g_new NAME VID PID [BCD]         create the gadget (strings HUAWEI / HUAWEI_MOBILE); bcdDevice
#                                    defaults to 0x0102: != 0 keeps usb-storage's E220 auto-switch off
#   g_mass_storage NAME [IMAGE]      kernel mass_storage function, CD-ROM, read-only (no medium if no IMAGE)
#   g_gser NAME                      kernel serial function (class ff/00/00, ttyGS<n> on the gadget side)
#   g_acm NAME                       kernel ACM function (02/02/01, cdc_acm binds, ttyACM<n>)
#   g_ncm NAME                       kernel NCM function (02/0d/00, cdc_ncm binds)
#   g_ecm NAME                       kernel ECM function (02/06/00, cdc_ether binds)
#   g_ffs NAME FNAME                 FunctionFS function ffs.FNAME, mounted at /dev/ffs-FNAME
#   (interfaces are numbered in the order the functions are added)
#   g_bind NAME                      attach to dummy_udc.0 and wait until 1-1 is configured
#   g_unbind NAME                    detach and wait until 1-1 is gone
#   g_reenumerate NAME PID           unbind, change idProduct, bind (a stick after its mode switch)
#   g_remove NAME                    unbind and delete the gadget completely
#
# FunctionFS (userspace gadget daemons, e.g. the static dongle-gadget binary from crates/sim):
#   ffs_start FNAME CMD [ARGS...]    start CMD in the background (after g_ffs), wait until it has
#                                    written its descriptors (ep1 appears); pid in $FFS_PID_<FNAME>,
#                                    log in /tmp/ffs-FNAME.log. The mount point is /dev/ffs-FNAME and
#                                    is also exported to CMD as $FFS_DIR.
#   ffs_stop FNAME                   stop the daemon (if still running) and return its exit status
#   ffs_wait_exit FNAME [SECS]       wait for the daemon to exit by itself (e.g. after a switch message)
#
# The dongle-sim gadget daemon (static binary passed with run.sh --file ...:/bin/dongle-gadget):
#   gadget_modem FNAME PROFILE [ARGS...]  `dongle-gadget serve --profile PROFILE` on /dev/ffs-FNAME
#                                    (after g_ffs), log /tmp/gadget-FNAME.log; ARGS e.g. --scenario F
#   modem_stick [--ncm] VID PID PROFILE [ARGS...]
#                                    gadget "stick" = VID:PID with the profile's serial ports over
#                                    FunctionFS (function "modem") [+ kernel ncm], bound
#   gadget_storage FNAME             `dongle-gadget storage` (BOT CD-ROM, exits 42/43 on a switch
#                                    message), log /tmp/gadget-FNAME.log
#   show_log FILE [LINES]            print FILE on the console as "VUSB:   " lines (default 80 lines)
#
# PPP (the network side of a data call):
#   ppp_modules                      load ppp_generic (+ slhc) and ppp_async, make sure /dev/ppp exists
#   ppp_peer_gadget [[--ncm] VID PID PROFILE]
#                                    modem_stick (default 12d1:1506 e3372 with --ncm) whose daemon
#                                    starts a network-side pppd (ppp9, 192.0.2.1, gives the host 192.0.2.2,
#                                    no auth, any APN) on CONNECT; log /tmp/gadget-modem.log, peer log
#                                    /tmp/peer-ppp.log. Then dial /dev/ttyUSB0 (ATD*99#) from the host.
#   wait_ppp_addr IFACE ADDR [SECS]  wait until IFACE has inet ADDR
#
# HiLink (the stick is a router behind CDC-Ethernet):
#   hilink_stick [ARGS...]           12d1:14dc with the kernel ecm function (cdc_ether binds on the
#                                    host side: eth0); the gadget's usb0 goes into its own network
#                                    namespace (pid $HILINK_NS) with 192.168.8.1/24, busybox udhcpd
#                                    (lease 192.168.8.100, router + DNS 192.168.8.1) and
#                                    `dongle-gadget hilink --listen 0.0.0.0:80` (ARGS added; log
#                                    /tmp/gadget-hilink.log). After dhcp/settings the stick's end
#                                    moves: usb0 and udhcpd follow to 192.168.N.1 / .100.
#   host_udhcpc                      /run/udhcpc: the host's busybox udhcpc with a script that
#                                    applies the lease with ip (events in /run/udhcpc.events);
#                                    give it to dongle as DONGLE_DHCP=/run/udhcpc
#
# Host side / checks:
#   host CMD [ARGS...]               run a host binary (chroot into the 9p-mounted host /)
#   host_bg CMD [ARGS...]            the same in the background; $! is the host program's own pid
#                                    (exec'd, so `kill $!` stops the program itself)
#   wait_for PATH [SECS]             wait until PATH exists (default 10 s)
#   wait_gone PATH [SECS]            wait until PATH is gone
#   wait_driver IFACE DRIVER [SECS]  wait until /sys/bus/usb/devices/IFACE is bound to DRIVER
#   option_new_id VID PID [CLASS]    echo "VID PID [CLASS]" > option's new_id (loads option first)
#   usb_summary                      one VUSB: line per device and interface (class, driver, tty, net)
#   capture NAME CMD [ARGS...]       run CMD, print its stdout+stderr between VUSB-OUT markers
#                                    (parsed by crates/dongle/tests/vusb), return its status; the end
#                                    marker has its exit status and guest wall time (10 ms steps):
#                                    VUSB-OUT-END NAME rc=N ms=M
#   check DESC CMD [ARGS...]         run CMD; print "VUSB: ok DESC" or "VUSB: FAIL DESC"; count failures
#   finish                           exit 0 if no check failed, else 1 (end a test script with it)

CFG=/sys/kernel/config/usb_gadget
UDC_NAME=dummy_udc.0
VUSB_FAILS=0
VUSB_HOST_ROOT=/host

# busybox-static has no mountpoint applet.
is_mounted() { grep -q " $1 " /proc/mounts; }
vusb_log() { echo "VUSB: $*"; }
vusb_die() { echo "VUSB: FAIL $*"; exit 1; }

# ---------------------------------------------------------------- waiting
# Poll every 50 ms; busybox sleep takes fractions.
wait_for() {
    _p="$1"; _n=$(( ${2:-10} * 20 ))
    while [ ! -e "$_p" ]; do
        _n=$((_n - 1)); [ "$_n" -gt 0 ] || return 1
        sleep 0.05
    done
}
wait_gone() {
    _p="$1"; _n=$(( ${2:-10} * 20 ))
    while [ -e "$_p" ]; do
        _n=$((_n - 1)); [ "$_n" -gt 0 ] || return 1
        sleep 0.05
    done
}
wait_driver() {
    _i="/sys/bus/usb/devices/$1"; _n=$(( ${3:-10} * 20 ))
    while [ "$(basename "$(readlink "$_i/driver" 2>/dev/null)" 2>/dev/null)" != "$2" ]; do
        _n=$((_n - 1)); [ "$_n" -gt 0 ] || return 1
        sleep 0.05
    done
}

# ---------------------------------------------------------------- gadgets
g_new() {
    _g="$CFG/$1"
    [ -d "$_g" ] && vusb_die "gadget $1 already exists"
    mkdir "$_g" || vusb_die "mkdir $_g (configfs mounted? libcomposite loaded?)"
    echo "$2" >"$_g/idVendor"
    echo "$3" >"$_g/idProduct"
    echo "${4:-0x0102}" >"$_g/bcdDevice"
    echo 0x0200 >"$_g/bcdUSB"
    mkdir "$_g/strings/0x409"
    echo "HUAWEI" >"$_g/strings/0x409/manufacturer"
    echo "HUAWEI_MOBILE" >"$_g/strings/0x409/product"
    echo "0123456789ABCDEF" >"$_g/strings/0x409/serialnumber"
    mkdir "$_g/configs/c.1"
    mkdir "$_g/configs/c.1/strings/0x409"
    echo "Huawei config" >"$_g/configs/c.1/strings/0x409/configuration"
    echo 500 >"$_g/configs/c.1/MaxPower"
}

# g_func NAME FUNCDIR: create functions/FUNCDIR (module autoloaded via /sbin/modprobe) and link it.
g_func() {
    mkdir "$CFG/$1/functions/$2" || vusb_die "mkdir functions/$2 (is /sbin/modprobe there? module missing from the initramfs?)"
}
g_link() { ln -s "$CFG/$1/functions/$2" "$CFG/$1/configs/c.1/$2" || vusb_die "link $2 into $1/c.1"; }

g_mass_storage() {
    _f=mass_storage.0
    g_func "$1" "$_f"
    _l="$CFG/$1/functions/$_f/lun.0"
    echo 1 >"$_l/cdrom"
    echo 1 >"$_l/ro"
    echo 1 >"$_l/removable"
    echo "HUAWEI  Mass Storage    2.31" >"$_l/inquiry_string" 2>/dev/null || true
    [ -n "${2:-}" ] && echo "$2" >"$_l/file"
    g_link "$1" "$_f"
}
g_gser() { _f="gser.$(ls -d "$CFG/$1"/functions/gser.* 2>/dev/null | wc -l)"; g_func "$1" "$_f"; g_link "$1" "$_f"; }
g_acm() { _f="acm.$(ls -d "$CFG/$1"/functions/acm.* 2>/dev/null | wc -l)"; g_func "$1" "$_f"; g_link "$1" "$_f"; }
g_ncm() {
    g_func "$1" ncm.0
    echo 0c:5b:8f:27:9a:64 >"$CFG/$1/functions/ncm.0/host_addr"
    echo 02:1e:10:1f:00:00 >"$CFG/$1/functions/ncm.0/dev_addr"
    g_link "$1" ncm.0
}
g_ecm() {
    g_func "$1" ecm.0
    echo 0c:5b:8f:27:9a:64 >"$CFG/$1/functions/ecm.0/host_addr"
    echo 02:1e:10:1f:00:00 >"$CFG/$1/functions/ecm.0/dev_addr"
    g_link "$1" ecm.0
}
g_ffs() {
    g_func "$1" "ffs.$2"
    mkdir -p "/dev/ffs-$2"
    mount -t functionfs "$2" "/dev/ffs-$2" || vusb_die "mount functionfs $2"
    g_link "$1" "ffs.$2"
}

# g_bind NAME: attach; waits for the host side (1-1 configured). For FunctionFS functions every
# daemon must have written its descriptors first (ffs_start waits for that).
g_bind() {
    echo "$UDC_NAME" >"$CFG/$1/UDC" || vusb_die "bind $1 to $UDC_NAME (FunctionFS daemon not ready? another gadget bound?)"
    wait_for /sys/bus/usb/devices/1-1/bConfigurationValue 10 || vusb_die "gadget $1: 1-1 did not appear on the host side"
    _n=200
    while [ -z "$(cat /sys/bus/usb/devices/1-1/bConfigurationValue 2>/dev/null)" ]; do
        _n=$((_n - 1)); [ "$_n" -gt 0 ] || vusb_die "gadget $1: 1-1 never configured"
        sleep 0.05
    done
}
g_unbind() {
    [ -n "$(cat "$CFG/$1/UDC" 2>/dev/null)" ] && echo "" >"$CFG/$1/UDC"
    wait_gone /sys/bus/usb/devices/1-1 10 || vusb_die "gadget $1: 1-1 still present after unbind"
}
g_reenumerate() {
    g_unbind "$1"
    echo "$2" >"$CFG/$1/idProduct"
    g_bind "$1"
}
g_remove() {
    _g="$CFG/$1"
    [ -d "$_g" ] || return 0
    g_unbind "$1"
    for _l in "$_g"/configs/c.1/*; do [ -L "$_l" ] && rm "$_l"; done
    rmdir "$_g"/configs/c.1/strings/0x409 "$_g"/configs/c.1
    for _f in "$_g"/functions/*; do
        [ -d "$_f" ] || continue
        case "${_f##*/}" in ffs.*) umount "/dev/ffs-${_f##*/ffs.}" 2>/dev/null || true ;; esac
        rmdir "$_f"
    done
    rmdir "$_g"/strings/0x409 "$_g"
}

# ---------------------------------------------------------------- FunctionFS daemons
ffs_start() {
    _fn="$1"; shift
    _d="/dev/ffs-$_fn"
    is_mounted "$_d" || vusb_die "ffs_start $_fn: $_d not mounted (call g_ffs GADGET $_fn first)"
    FFS_DIR="$_d" "$@" >"/tmp/ffs-$_fn.log" 2>&1 &
    eval "FFS_PID_$_fn=$!"
    # FunctionFS creates ep1.. once the daemon has written descriptors + strings to ep0.
    if ! wait_for "$_d/ep1" 10; then
        cat "/tmp/ffs-$_fn.log"
        vusb_die "ffs_start $_fn: $* did not write its descriptors within 10 s"
    fi
}
ffs_wait_exit() {
    eval "_pid=\$FFS_PID_$1"
    _n=$(( ${2:-10} * 20 ))
    while kill -0 "$_pid" 2>/dev/null; do
        _n=$((_n - 1)); [ "$_n" -gt 0 ] || return 124
        sleep 0.05
    done
    wait "$_pid"
}
ffs_stop() {
    eval "_pid=\$FFS_PID_$1"
    [ -n "$_pid" ] || return 0
    kill "$_pid" 2>/dev/null || true
    wait "$_pid"
}

# ---------------------------------------------------------------- dongle-gadget
GADGET=/bin/dongle-gadget
gadget_modem() {
    _gm="$1"; _gp="$2"; shift 2
    [ -x "$GADGET" ] || vusb_die "$GADGET missing (run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:$GADGET)"
    ffs_start "$_gm" "$GADGET" serve --profile "$_gp" --ffs "/dev/ffs-$_gm" --log "/tmp/gadget-$_gm.log" "$@"
}
gadget_storage() {
    [ -x "$GADGET" ] || vusb_die "$GADGET missing (run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:$GADGET)"
    ffs_start "$1" "$GADGET" storage --ffs "/dev/ffs-$1" --log "/tmp/gadget-$1.log"
}
modem_stick() {
    _ms_ncm=0
    [ "$1" = --ncm ] && { _ms_ncm=1; shift; }
    _ms_vid="$1"; _ms_pid="$2"; _ms_prof="$3"; shift 3
    g_new stick "$_ms_vid" "$_ms_pid"
    g_ffs stick modem
    gadget_modem modem "$_ms_prof" "$@"
    [ "$_ms_ncm" = 1 ] && g_ncm stick
    g_bind stick
}
show_log() {
    echo "VUSB: ---- $1 ----"
    if [ -f "$1" ]; then head -n "${2:-80}" "$1" | sed 's/^/VUSB:   /'; else echo "VUSB:   (missing)"; fi
}

# ---------------------------------------------------------------- PPP
PPP_NET_ADDR=192.0.2.1
PPP_HOST_ADDR=192.0.2.2
ppp_modules() {
    modprobe ppp_async || vusb_die "modprobe ppp_async (ppp_generic needs slhc: is it in the initramfs?)"
    # devtmpfs creates /dev/ppp (char 108:0) when ppp_generic registers; make it if it did not.
    wait_for /dev/ppp 2 || { grep -q ' ppp$' /proc/devices && mknod /dev/ppp c 108 0; }
    [ -c /dev/ppp ] || vusb_die "/dev/ppp missing after modprobe ppp_async"
}
ppp_peer_gadget() {
    ppp_modules
    if [ $# -ge 3 ]; then
        modem_stick "$@" --ppp-peer "/usr/sbin/pppd nodetach noauth local nocrtscts noipv6 lcp-echo-interval 0 unit 9 $PPP_NET_ADDR:$PPP_HOST_ADDR logfile /tmp/peer-ppp.log"
    else
        modem_stick --ncm 0x12d1 0x1506 e3372 --ppp-peer "/usr/sbin/pppd nodetach noauth local nocrtscts noipv6 lcp-echo-interval 0 unit 9 $PPP_NET_ADDR:$PPP_HOST_ADDR logfile /tmp/peer-ppp.log"
    fi
}
wait_ppp_addr() {
    _n=$(( ${3:-20} * 20 ))
    while ! ip -4 addr show "$1" 2>/dev/null | grep -q "inet $2"; do
        _n=$((_n - 1)); [ "$_n" -gt 0 ] || return 1
        sleep 0.05
    done
}

# ---------------------------------------------------------------- HiLink
hilink_udhcpd() {   # GIF ADDR (the stick's own, 192.168.N.1); runs inside the stick's namespace
    _p="${2%.*}"
    printf 'start %s.100\nend %s.100\ninterface %s\nlease_file /tmp/udhcpd.leases\npidfile /tmp/udhcpd.pid\nmax_leases 1\noption subnet 255.255.255.0\noption router %s\noption dns %s\n' \
        "$_p" "$_p" "$1" "$2" "$2" >/tmp/udhcpd.conf
    : >/tmp/udhcpd.leases
    udhcpd -f /tmp/udhcpd.conf >>/tmp/udhcpd.log 2>&1 &
}
hilink_stick() {
    [ -x "$GADGET" ] || vusb_die "$GADGET missing (run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:$GADGET)"
    g_new stick 0x12d1 0x14dc
    g_ecm stick
    g_bind stick
    HILINK_GIF=$(cat "$CFG/stick/functions/ecm.0/ifname")
    # The stick's side of the link in its own network namespace, as on a real stick: the
    # host's routes and addresses cannot short-cut it (kept alive by a sleeping process).
    unshare -n sleep 100000 &
    HILINK_NS=$!
    _n=40
    while [ "$(readlink /proc/$HILINK_NS/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do
        _n=$((_n - 1)); [ "$_n" -gt 0 ] || vusb_die "unshare -n did not make a namespace"; sleep 0.05
    done
    ip link set "$HILINK_GIF" netns "$HILINK_NS" 2>/dev/null || host ip link set "$HILINK_GIF" netns "$HILINK_NS" \
        || vusb_die "moving $HILINK_GIF into the stick's namespace"
    cat >/tmp/hilink-subnet.sh <<SUBNET
#!/bin/sh
# dongle-gadget --on-subnet: the stick's LAN moved to \$1 (192.168.N.1)
. /gadget.sh
kill \$(cat /tmp/udhcpd.pid) 2>/dev/null
ip addr flush dev $HILINK_GIF
ip addr add "\$1/24" dev $HILINK_GIF
hilink_udhcpd $HILINK_GIF "\$1"
SUBNET
    chmod +x /tmp/hilink-subnet.sh
    nsenter -t "$HILINK_NS" -n sh -c ". /gadget.sh && ip link set lo up && ip addr add 192.168.8.1/24 dev $HILINK_GIF && ip link set $HILINK_GIF up && hilink_udhcpd $HILINK_GIF 192.168.8.1" \
        || vusb_die "setting up the stick's namespace"
    nsenter -t "$HILINK_NS" -n "$GADGET" hilink --listen 0.0.0.0:80 --log /tmp/gadget-hilink.log \
        --on-subnet '/tmp/hilink-subnet.sh "$1"' "$@" >/tmp/ffs-hilink.log 2>&1 &
    HILINK_PID=$!
    wait_for_line /tmp/gadget-hilink.log READY 10 || vusb_die "dongle-gadget hilink did not start: $(cat /tmp/ffs-hilink.log)"
    # The host side's carrier follows f_ecm's connection notifications, sent when usb0 opens and
    # closes; the move into the namespace closes and reopens it right after the bind, and now
    # and then the host is left with the "disconnected" one (eth0 NO-CARRIER, no DHCP ever). A
    # real stick's link is simply up: wait for the carrier, bounce usb0 if it does not come.
    _hif=$(ls /sys/bus/usb/devices/1-1:1.0/net 2>/dev/null | head -1)
    [ -n "$_hif" ] || vusb_die "no host-side interface under 1-1:1.0"
    ip link set "$_hif" up
    _n=0
    until [ "$(cat "/sys/class/net/$_hif/carrier" 2>/dev/null)" = 1 ]; do
        _n=$((_n + 1))
        [ "$_n" -le 200 ] || vusb_die "$_hif has no carrier (the stick's usb0 bounced 4 times)"
        if [ $((_n % 50)) = 0 ]; then
            echo "VUSB: note: $_hif has no carrier after $((_n / 20)) s: bouncing the stick's usb0"
            nsenter -t "$HILINK_NS" -n sh -c "ip link set $HILINK_GIF down; ip link set $HILINK_GIF up"
        fi
        sleep 0.05
    done
    ip link set "$_hif" down
}
wait_for_line() {   # FILE TEXT [SECS]
    _n=$(( ${3:-10} * 20 ))
    until grep -q "$2" "$1" 2>/dev/null; do
        _n=$((_n - 1)); [ "$_n" -gt 0 ] || return 1
        sleep 0.05
    done
}
host_udhcpc() {
    printf '#!/bin/sh\nexec /usr/bin/busybox udhcpc -s /run/udhcpc.script "$@"\n' >/run/udhcpc
    cat >/run/udhcpc.script <<'SCRIPT'
#!/bin/sh
echo "$1 $interface $ip/$mask $router" >>/run/udhcpc.events
case "$1" in
    bound|renew) ip -4 addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface"
        [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface" ;;
    deconfig) ip -4 addr flush dev "$interface" ;;
esac
exit 0
SCRIPT
    chmod +x /run/udhcpc /run/udhcpc.script
}

# ---------------------------------------------------------------- host side
host() {
    is_mounted "$VUSB_HOST_ROOT" || vusb_die "host root not mounted at $VUSB_HOST_ROOT (-virtfs missing?)"
    chroot "$VUSB_HOST_ROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TMPDIR=/run RUST_BACKTRACE=1 "$@"
}

host_bg() {
    is_mounted "$VUSB_HOST_ROOT" || vusb_die "host root not mounted at $VUSB_HOST_ROOT (-virtfs missing?)"
    (exec chroot "$VUSB_HOST_ROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TMPDIR=/run RUST_BACKTRACE=1 "$@") &
}

option_new_id() {
    modprobe option
    wait_for /sys/bus/usb-serial/drivers/option1/new_id 5 || vusb_die "option1/new_id missing"
    echo "$*" >/sys/bus/usb-serial/drivers/option1/new_id
}

usb_summary() {
    for _d in /sys/bus/usb/devices/[0-9]*-[0-9]*; do
        case "${_d##*/}" in *:*) continue ;; esac
        [ -e "$_d/idVendor" ] || continue
        echo "VUSB: ${_d##*/} $(cat "$_d/idVendor"):$(cat "$_d/idProduct") '$(cat "$_d/product" 2>/dev/null)'"
        for _i in "$_d"/"${_d##*/}":*; do
            [ -e "$_i/bInterfaceClass" ] || continue
            _drv="$(basename "$(readlink "$_i/driver" 2>/dev/null)" 2>/dev/null)"
            _extra="$(ls "$_i" 2>/dev/null | grep -E '^ttyUSB|^ttyACM' | tr '\n' ' ')"
            [ -d "$_i/net" ] && _extra="$_extra$(ls "$_i/net" | tr '\n' ' ')"
            [ -d "$_i/tty" ] && _extra="$_extra$(ls "$_i/tty" | tr '\n' ' ')"
            for _h in "$_i"/host*/target*/*/block/* "$_i"/host*/target*/*/block; do
                [ -d "$_h" ] && case "${_h##*/}" in block) ;; *) _extra="$_extra${_h##*/} " ;; esac
            done
            echo "VUSB:   ${_i##*/} class=$(cat "$_i/bInterfaceClass")/$(cat "$_i/bInterfaceSubClass")/$(cat "$_i/bInterfaceProtocol") driver=${_drv:--} $_extra"
        done
    done
}

capture() {
    _name="$1"; shift
    echo "VUSB-OUT-BEGIN $_name"
    _t0=$(cut -d' ' -f1 /proc/uptime)
    "$@" 2>&1
    _rc=$?
    _t1=$(cut -d' ' -f1 /proc/uptime)
    echo "VUSB-OUT-END $_name rc=$_rc ms=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%d", (b - a) * 1000 }')"
    return "$_rc"
}

check() {
    _desc="$1"; shift
    if "$@"; then
        echo "VUSB: ok $_desc"
    else
        echo "VUSB: FAIL $_desc"
        VUSB_FAILS=$((VUSB_FAILS + 1))
    fi
}

finish() {
    if [ "$VUSB_FAILS" = 0 ]; then
        echo "VUSB: PASS"
        exit 0
    fi
    echo "VUSB: $VUSB_FAILS check(s) failed"
    exit 1
}
