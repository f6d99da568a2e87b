# Scenario: the udev rules `dongle install --udev` writes, run by the real systemd-udevd (the
# host's, as in testbed/bench/mm.sh) while the e3372 stick (dongle-gadget over FunctionFS + the
# kernel's ncm) is plugged: the rules call `dongle udev-name` for each port, udevd makes
# /dev/dongle/1-1/modem and /dev/dongle/1-1/at, and the ports and the network interface carry
# ID_MM_DEVICE_IGNORE=1. No configuration file: the name is the USB path.
# Run by hand:
#   testbed/run.sh --file target/x86_64-unknown-linux-gnu/release/dongle-gadget:/bin/dongle-gadget \
#       --env DONGLE="$PWD/target/debug/dongle" testbed/scenarios/udev_names.sh
: "${DONGLE:?set DONGLE to the host path of the dongle binary (run.sh --env DONGLE=...)}"
GLOG=/tmp/gadget-modem.log

udevd=
for u in /lib/systemd/systemd-udevd /usr/lib/systemd/systemd-udevd; do
    host test -x "$u" && { udevd=$u; break; }
done
[ -n "$udevd" ] || vusb_die "no systemd-udevd on the host (apt-get install udev)"

# /run is shared with the host chroot (init rbinds it), so the rules written under --prefix
# are where the guest can copy them into udevd's runtime rules directory.
capture install host "$DONGLE" install --udev --prefix /run/dongle-inst
mkdir -p /run/udev/rules.d
cp /run/dongle-inst/etc/udev/rules.d/70-dongle.rules /run/udev/rules.d/ || vusb_die "no rules written"
host "$udevd" --daemon || vusb_die "systemd-udevd did not start"

modem_stick --ncm 0x12d1 0x1506 e3372
check "/dev/ttyUSB0 present" wait_for /dev/ttyUSB0 10
check "/dev/ttyUSB1 present" wait_for /dev/ttyUSB1 10
host udevadm settle --timeout=60
check "/dev/dongle/1-1/modem present" wait_for /dev/dongle/1-1/modem 20
check "/dev/dongle/1-1/at present" wait_for /dev/dongle/1-1/at 20
capture links ls -l /dev/dongle/1-1/
check "modem link -> ttyUSB0 (ff/02/01)" [ "$(readlink -f /dev/dongle/1-1/modem)" = /dev/ttyUSB0 ]
check "at link -> ttyUSB1 (ff/02/02)" [ "$(readlink -f /dev/dongle/1-1/at)" = /dev/ttyUSB1 ]

host udevadm info --query=property --name=/dev/ttyUSB0 >/tmp/props0 2>&1
capture props0 cat /tmp/props0
check "ttyUSB0: DONGLE_NAME=1-1" grep -qx 'DONGLE_NAME=1-1' /tmp/props0
check "ttyUSB0: DONGLE_ROLE=modem" grep -qx 'DONGLE_ROLE=modem' /tmp/props0
check "ttyUSB0: ID_MM_DEVICE_IGNORE=1" grep -qx 'ID_MM_DEVICE_IGNORE=1' /tmp/props0

# The network interface (udev may have renamed it after our rule ran): the one on 1-1:1.2.
net=
for n in /sys/class/net/*; do
    case "$(readlink -f "$n/device" 2>/dev/null)" in */1-1:1.2) net=$(basename "$n") ;; esac
done
check "a network interface on 1-1:1.2" [ -n "$net" ]
host udevadm info --query=property --path="/sys/class/net/$net" >/tmp/propsnet 2>&1
capture propsnet cat /tmp/propsnet
check "$net: ID_MM_DEVICE_IGNORE=1" grep -qx 'ID_MM_DEVICE_IGNORE=1' /tmp/propsnet

show_log "$GLOG" 40
ffs_stop modem
finish
