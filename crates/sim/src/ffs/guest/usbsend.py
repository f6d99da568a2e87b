#!/usr/bin/env python3
"""Send a mode-switch message to a USB device through usbfs, the way usb_modeswitch does.

Test-bed helper for the FunctionFS storage personality (run on the guest's host side, e.g.
`host python3 usbsend.py bulk 1-1 HEX`). Not part of the product: `dongle switch` is.

  usbsend.py bulk DEV HEX           detach the driver of DEV:1.0, send HEX to its bulk OUT
                                    endpoint (found in sysfs), try to read a 13-byte CSW
  usbsend.py ctrl DEV RT REQ VAL IDX   a control request without data (hex numbers)

ioctl numbers from include/uapi/linux/usbdevice_fs.h on x86_64:
USBDEVFS_CONTROL _IOWR('U', 0, struct usbdevfs_ctrltransfer) (24 bytes),
USBDEVFS_BULK _IOWR('U', 2, struct usbdevfs_bulktransfer) (24 bytes),
USBDEVFS_CLAIMINTERFACE _IOR('U', 15, unsigned int).
"""
import ctypes
import fcntl
import glob
import os
import struct
import sys

USBDEVFS_CONTROL = 0xC0185500
USBDEVFS_BULK = 0xC0185502
USBDEVFS_CLAIMINTERFACE = 0x8004550F


def node(dev):
    d = f"/sys/bus/usb/devices/{dev}"
    bus = int(open(f"{d}/busnum").read())
    num = int(open(f"{d}/devnum").read())
    return f"/dev/bus/usb/{bus:03d}/{num:03d}"


def endpoint(iface, direction):
    for ep in sorted(glob.glob(f"/sys/bus/usb/devices/{iface}/ep_*")):
        if open(f"{ep}/type").read().strip() == "Bulk" and open(f"{ep}/direction").read().strip() == direction:
            return int(open(f"{ep}/bEndpointAddress").read(), 16)
    raise SystemExit(f"no bulk {direction} endpoint on {iface}")


def main():
    cmd, dev = sys.argv[1], sys.argv[2]
    fd = os.open(node(dev), os.O_RDWR)
    if cmd == "bulk":
        iface = f"{dev}:1.0"
        drv = f"/sys/bus/usb/devices/{iface}/driver"
        if os.path.exists(drv):
            name = os.path.basename(os.readlink(drv))
            with open(f"{drv}/unbind", "w") as f:
                f.write(iface)
            print(f"detached {name} from {iface}")
        fcntl.ioctl(fd, USBDEVFS_CLAIMINTERFACE, struct.pack("I", 0))
        out, inp = endpoint(iface, "out"), endpoint(iface, "in")
        msg = bytes.fromhex(sys.argv[3])
        buf = ctypes.create_string_buffer(msg, len(msg))
        fcntl.ioctl(fd, USBDEVFS_BULK, struct.pack("IIIxxxxQ", out, len(msg), 1000, ctypes.addressof(buf)))
        print(f"sent {len(msg)} bytes to endpoint {out:#04x}: {msg.hex()}")
        rbuf = ctypes.create_string_buffer(13)
        try:
            fcntl.ioctl(fd, USBDEVFS_BULK, struct.pack("IIIxxxxQ", inp, 13, 1000, ctypes.addressof(rbuf)))
            print(f"response {rbuf.raw.hex()}")
        except OSError as e:
            print(f"no response: {e}")
    elif cmd == "ctrl":
        rt, req, val, idx = (int(x, 16) for x in sys.argv[3:7])
        arg = struct.pack("BBHHHIxxxxQ", rt, req, val, idx, 0, 1000, 0)
        try:
            fcntl.ioctl(fd, USBDEVFS_CONTROL, arg)
            print(f"control {rt:02x} {req:02x} {val:04x} {idx:04x} done")
        except OSError as e:
            print(f"control {rt:02x} {req:02x} {val:04x} {idx:04x}: {e}")
    else:
        raise SystemExit("usage: usbsend.py bulk DEV HEX | ctrl DEV RT REQ VAL IDX")


main()
