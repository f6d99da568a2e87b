#!/usr/bin/env bash
# Virtual USB test bed: one-time setup (idempotent, cached).
#
#   bash testbed/setup.sh            # installs/caches everything under target/vusb/
#   VUSB_CACHE=/some/dir bash testbed/setup.sh
#
# What it does (see testbed/README.md):
#   1. apt: qemu-system-x86 + busybox-static (--no-install-recommends) if missing;
#   2. resolves the current linux-image-*-amd64 from linux-image-amd64 (apt-cache depends),
#      apt-get downloads it plus ppp and libpcap0.8 (not installed, only unpacked);
#   3. unpacks only the kernel image and the module subtrees the guest needs, runs busybox depmod,
#      extracts the uncompressed vmlinux (PVH boot: no SeaBIOS, no decompressor);
#   4. builds the base initramfs: busybox (+ /sbin/modprobe), the module closure, pppd + chat with
#      their libraries, testbed/guest/{init,gadget.sh}.
#   (3b. caches the ModemManager debs for testbed/bench/run.sh in target/vusb/mm, once; optional.)
# A second run only checks the cache stamps (well under a second).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cache="${VUSB_CACHE:-$repo/target/vusb}"
t_start=$(date +%s.%N)

log() { printf 'vusb-setup: %s\n' "$*" >&2; }
die() { printf 'vusb-setup: error: %s\n' "$*" >&2; exit 1; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
step() { # step NAME: prints the time of the previous step
    if [ -n "${step_name:-}" ]; then log "$step_name: $(elapsed "$step_t") s"; fi
    step_name="$1"
    step_t=$(date +%s.%N)
}

# Modules the guest needs; their dependency closure (modules.dep) goes into the initramfs.
MODULES=(
    dummy_hcd libcomposite usb_f_fs usb_f_mass_storage usb_f_acm usb_f_serial usb_f_ncm
    usb_f_ecm usb_f_rndis usb-storage uas sd_mod sr_mod sg option usb_wwan usbserial cdc_acm
    cdc_ether cdc_ncm huawei_cdc_ncm cdc_mbim qmi_wwan cdc-wdm usbnet slhc ppp_generic ppp_async
    ppp_deflate ppp_synctty bsd_comp configfs usbmon virtio_pci virtio_console 9p 9pnet_virtio
    isofs
)
# Subtrees of lib/modules/KVER/kernel/ unpacked from the kernel .deb (the rest is not needed).
# drivers/net/slip: slhc.ko (VJ header compression), which ppp_generic needs; busybox depmod only
# sees the dependency when the module is unpacked. Changing this list re-runs the kernel step.
MODULE_TREES=(
    drivers/usb drivers/net/usb drivers/net/ppp drivers/net/slip drivers/net/mii.ko drivers/scsi drivers/cdrom
    drivers/virtio drivers/char/virtio_console.ko drivers/block/virtio_blk.ko
    fs/configfs fs/9p fs/netfs fs/fscache fs/isofs net/9p lib crypto
)

# ---------------------------------------------------------------- 1. host packages
step "host packages"
need=()
for pkg in qemu-system-x86 busybox-static; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
apt_updated=0
apt_update() {
    [ "$apt_updated" = 1 ] && return 0
    log "apt-get update"
    apt-get update -qq || die "apt-get update failed (is the Debian mirror reachable?)"
    apt_updated=1
}
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing packages ${need[*]}: run as root, or: sudo apt-get install --no-install-recommends ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    log "apt-get install ${need[*]}"
    # Lists fresh enough (e.g. .ci/run just updated them)? Then no second apt-get update.
    if ! apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
        apt_update
        apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
            || die "apt-get install ${need[*]} failed"
    fi
fi
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing: apt-get install --no-install-recommends busybox-static"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: apt-get install --no-install-recommends qemu-system-x86"
file_is_static() { ! ldd "$1" >/dev/null 2>&1; }
file_is_static "$BUSYBOX" || die "$BUSYBOX is dynamically linked: install busybox-static (not busybox)"

# ---------------------------------------------------------------- 2. kernel version
step "resolve kernel"
resolve_kernel() {
    apt-cache depends linux-image-amd64 2>/dev/null \
        | awk '/Depends: linux-image-[0-9].*-amd64$/ { print $2; exit }'
}
# apt-cache takes ~1 s here (no pkgcache.bin): its answer can only change when the package lists
# change, so a cache stamp newer than every list is reused as is.
kpkg=
if [ -f "$cache/kernel.stamp" ] \
    && [ -z "$(find /var/lib/apt/lists -maxdepth 1 -type f -newer "$cache/kernel.stamp" -print -quit 2>/dev/null)" ]; then
    kpkg="$(cat "$cache/kernel.stamp")"
fi
[ -n "$kpkg" ] || kpkg="$(resolve_kernel || true)"
if [ -z "$kpkg" ]; then
    apt_update
    kpkg="$(resolve_kernel || true)"
fi
if [ -z "$kpkg" ]; then
    # Offline with a cache: keep using it rather than failing.
    if [ -f "$cache/kernel.stamp" ]; then
        kpkg="$(cat "$cache/kernel.stamp")"
        log "apt-cache cannot resolve linux-image-amd64; using cached $kpkg"
    else
        die "apt-cache depends linux-image-amd64 gave no linux-image-*-amd64 (apt-get update? Debian 12 sources?)"
    fi
fi
kver="${kpkg#linux-image-}"
log "kernel package: $kpkg"

mkdir -p "$cache"
kdir="$cache/kernel"

# ---------------------------------------------------------------- 3. kernel + modules + pppd
trees="${MODULE_TREES[*]}"
if [ "$(cat "$cache/kernel.stamp" 2>/dev/null || true)" != "$kpkg" ] \
    || [ "$(cat "$kdir/trees" 2>/dev/null || true)" != "$trees" ] \
    || [ ! -s "$kdir/vmlinux" ] || [ ! -s "$kdir/lib/modules/$kver/modules.dep" ]; then
    step "download debs"
    rm -rf "$kdir" "$cache/debs" "$cache/kernel.stamp" "$cache/initrd.stamp"
    mkdir -p "$cache/debs" "$kdir"
    dl() {
        (cd "$cache/debs" && apt-get download -q "$@" >/dev/null 2>&1) && return 0
        apt_update
        (cd "$cache/debs" && apt-get download -q "$@" >/dev/null) \
            || die "apt-get download $* failed"
    }
    dl "$kpkg" ppp libpcap0.8
    kdeb="$(ls "$cache"/debs/"${kpkg}"_*.deb)"

    step "unpack kernel"
    patterns=("./boot/vmlinuz-$kver" "./lib/modules/$kver/modules.order" "./lib/modules/$kver/modules.builtin"
        "./lib/modules/$kver/modules.builtin.modinfo")
    for t in "${MODULE_TREES[@]}"; do patterns+=("./lib/modules/$kver/kernel/$t"); done
    # tar exits 2 for a subtree this kernel does not have (e.g. fs/fscache): tolerated, the module
    # closure below names anything really missing.
    dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$kdir" "${patterns[@]}" 2>"$cache/tar.err" || true
    grep -v 'Not found in archive\|Exiting with failure' "$cache/tar.err" >&2 && die "unpacking $kdeb failed"
    rm -f "$cache/tar.err"
    [ -s "$kdir/boot/vmlinuz-$kver" ] || die "no boot/vmlinuz-$kver in $kdeb"

    step "depmod"
    "$BUSYBOX" depmod -b "$kdir" "$kver" || die "busybox depmod failed"

    step "vmlinux"
    vmlinuz="$kdir/boot/vmlinuz-$kver"
    off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -1 | cut -d: -f1)
    [ -n "$off" ] || die "no xz stream in $vmlinuz (kernel no longer CONFIG_KERNEL_XZ? boot the bzImage instead)"
    tail -c +$((off + 1)) "$vmlinuz" | xz -dc --single-stream >"$kdir/vmlinux" 2>/dev/null || true
    head -c 4 "$kdir/vmlinux" | grep -q 'ELF' || die "extracting vmlinux from $vmlinuz failed"
    rm -f "$vmlinuz"

    step "unpack ppp"
    mkdir -p "$cache/ppp"
    for d in "$cache"/debs/ppp_*.deb "$cache"/debs/libpcap0.8_*.deb; do
        dpkg-deb -x "$d" "$cache/ppp" || die "unpacking $d failed"
    done
    rm -rf "$cache/debs"
    echo "$trees" >"$kdir/trees"
    echo "$kpkg" >"$cache/kernel.stamp"
fi
touch "$cache/kernel.stamp" # resolved and present: newer than the apt lists again
ppp_root="$cache/ppp"
[ -x "$ppp_root/usr/sbin/pppd" ] || die "pppd missing in $ppp_root: rm -rf $cache and run again"

# ---------------------------------------------------------------- 3b. benchmark peer (optional)
# ModemManager for testbed/bench/run.sh (run by hand, never by the tests): unpacked, not installed;
# the guest runs it from here through the 9p share. Once (stamp); a failure only means the
# benchmark prints "skipped: mm ...". ~1 s (2.2 MB from the mirror).
MM_DEBS=(modemmanager libmm-glib0 libqmi-glib5 libmbim-glib4 libqrtr-glib0 libgudev-1.0-0 libqmi-proxy libmbim-proxy)
if [ "$(cat "$cache/mm/.stamp" 2>/dev/null || true)" != "${MM_DEBS[*]}" ]; then
    step "benchmark debs (ModemManager)"
    rm -rf "$cache/mm" "$cache/mm-debs"
    mkdir -p "$cache/mm-debs"
    if (cd "$cache/mm-debs" && apt-get download -q "${MM_DEBS[@]}" >/dev/null 2>&1) \
        && (for d in "$cache"/mm-debs/*.deb; do dpkg-deb -x "$d" "$cache/mm" || exit 1; done); then
        echo "${MM_DEBS[*]}" >"$cache/mm/.stamp"
    else
        rm -rf "$cache/mm"
        log "warning: could not download/unpack ${MM_DEBS[*]}; testbed/bench/run.sh will skip ModemManager"
    fi
    rm -rf "$cache/mm-debs"
fi

# ---------------------------------------------------------------- 4. base initramfs
step "initramfs check"
inputs_hash="$(cat "$here/setup.sh" "$here"/guest/* "$cache/kernel.stamp" | sha256sum | cut -c1-16)"
if [ "$(cat "$cache/initrd.stamp" 2>/dev/null || true)" != "$inputs_hash" ] || [ ! -s "$cache/base.cpio.gz" ]; then
    step "initramfs build"
    stage="$cache/stage"
    rm -rf "$stage"
    mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,host,mnt,lib/modules/"$kver"}
    ( cd "$stage" && mkdir -p lib64 lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu var/log etc/ppp )
    cp "$BUSYBOX" "$stage/bin/busybox"
    for app in $("$BUSYBOX" --list-full); do
        [ -e "$stage/$app" ] || ln -s /bin/busybox "$stage/$app"
    done
    [ -L "$stage/sbin/modprobe" ] || ln -sf /bin/busybox "$stage/sbin/modprobe" # configfs request_module

    # Module closure over modules.dep.
    mdir="$kdir/lib/modules/$kver"
    closure="$(python3 - "$mdir" "${MODULES[@]}" <<'EOF' || exit 1
import sys, os
mdir, wanted = sys.argv[1], sys.argv[2:]
dep = {}
with open(os.path.join(mdir, "modules.dep")) as f:
    for line in f:
        if ":" not in line:
            continue
        path, deps = line.split(":", 1)
        dep[path.strip()] = deps.split()
byname = {}
for p in dep:
    n = os.path.basename(p).split(".ko")[0]
    byname[n] = p
    byname[n.replace("-", "_")] = p
builtin = set()
try:
    with open(os.path.join(mdir, "modules.builtin")) as f:
        for line in f:
            builtin.add(os.path.basename(line.strip()).split(".ko")[0].replace("-", "_"))
except FileNotFoundError:
    pass
out, todo = set(), []
for w in wanted:
    p = byname.get(w) or byname.get(w.replace("-", "_"))
    if p is None:
        if w.replace("-", "_") in builtin:
            continue
        sys.exit(f"vusb-setup: error: module {w} not in the unpacked module trees (add its subtree to MODULE_TREES)")
    todo.append(p)
while todo:
    p = todo.pop()
    if p in out:
        continue
    out.add(p)
    for d in dep.get(p, []):
        if d not in dep:
            sys.exit(f"vusb-setup: error: dependency {d} of {p} not unpacked (add its subtree to MODULE_TREES)")
        todo.append(d)
print("\n".join(sorted(out)))
EOF
)" || die "module closure failed"
    nmod=0
    while IFS= read -r m; do
        rel="${m#/}"
        rel="${rel#lib/modules/$kver/}"
        mkdir -p "$stage/lib/modules/$kver/$(dirname "$rel")"
        cp "$mdir/$rel" "$stage/lib/modules/$kver/$rel"
        nmod=$((nmod + 1))
    done <<<"$closure"
    for f in modules.order modules.builtin modules.builtin.modinfo; do
        [ -f "$mdir/$f" ] && cp "$mdir/$f" "$stage/lib/modules/$kver/"
    done
    "$BUSYBOX" depmod -b "$stage" "$kver" || die "busybox depmod (initramfs) failed"

    # pppd + chat with their shared libraries (the host is the same Debian release).
    cp "$ppp_root/usr/sbin/pppd" "$ppp_root/usr/sbin/chat" "$stage/usr/sbin/"
    libpath="$ppp_root/usr/lib/x86_64-linux-gnu:$ppp_root/lib/x86_64-linux-gnu"
    for bin in "$stage/usr/sbin/pppd" "$stage/usr/sbin/chat"; do
        LD_LIBRARY_PATH="$libpath" ldd "$bin" | awk '/=> \// { print $3 } /^[ \t]*\/lib64\// { print $1 }' | sort -u \
            | while IFS= read -r lib; do
                dest="$stage${lib}"
                case "$lib" in "$ppp_root"*) dest="$stage${lib#"$ppp_root"}" ;; esac
                mkdir -p "$(dirname "$dest")"
                cp -L "$lib" "$dest"
            done
    done
    # Debian's merged /usr: /lib64 and /lib are where the loader looks.
    [ -e "$stage/lib64/ld-linux-x86-64.so.2" ] || die "dynamic loader not copied for pppd"
    : >"$stage/etc/ppp/options"
    printf 'root:x:0:0:root:/:/bin/sh\n' >"$stage/etc/passwd"
    printf 'root:x:0:\n' >"$stage/etc/group"
    echo '$MODALIAS=.* 0:0 660 @modprobe -q "$MODALIAS"' >"$stage/etc/mdev.conf"

    install -m 0755 "$here/guest/init" "$stage/init"
    install -m 0755 "$here/guest/gadget.sh" "$stage/gadget.sh"
    echo "$kver" >"$stage/etc/vusb-kernel"

    (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc 2>/dev/null) \
        | gzip -1 >"$cache/base.cpio.gz.tmp" || die "building the initramfs cpio failed"
    mv "$cache/base.cpio.gz.tmp" "$cache/base.cpio.gz"
    rm -rf "$stage"
    echo "$inputs_hash" >"$cache/initrd.stamp"
    log "initramfs: $nmod modules, $(du -h "$cache/base.cpio.gz" | cut -f1)"
fi
touch "$cache/base.cpio.gz" # up to date with testbed/guest (run.sh compares mtimes)
step ""
log "ready in $cache ($(elapsed "$t_start") s total; $(du -sh "$cache" | cut -f1) on disk)"
