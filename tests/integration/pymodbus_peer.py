"""An independent Modbus server for the integration tests, built on Debian's
pymodbus 3.0 (run with /usr/bin/python3). It serves a fixed register map for
units 1 and 2 so that tests can compare mvgate's decoding with values
computed here, independently of mvgate's own codec.

  pymodbus_peer.py tcp PORT          Modbus TCP
  pymodbus_peer.py rtu-tcp PORT      RTU framing over TCP (serial device server)
  pymodbus_peer.py rtu DEVICE BAUD   RTU on a serial device (e.g. one end of a socat pty pair)

Prints 'ready' on stdout once it accepts requests. With MVG_PEER_LOG=1 in the
environment it also prints 'request FC ADDRESS COUNT T' for every read it
serves, T its monotonic arrival time in seconds (gaps between requests). With
MVG_PEER_IDENTITY="VENDOR|PRODUCT|REVISION" it answers Read Device
Identification (function 43/14) with those basic objects; without it pymodbus
answers with empty ones."""

import asyncio
import os
import struct
import sys
import time

from pymodbus.datastore import ModbusSequentialDataBlock as Block
from pymodbus.datastore import ModbusServerContext, ModbusSlaveContext
from pymodbus.device import ModbusDeviceIdentification
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.framer.socket_framer import ModbusSocketFramer
from pymodbus.server.async_io import ModbusSerialServer, ModbusTcpServer


def words(fmt, value):
    """Big-endian register words of a value packed with struct format fmt."""
    raw = struct.pack(">" + fmt, value)
    return [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]


def swap_words(ws):
    """CDAB / GHEFCDAB: the register order reversed, bytes kept."""
    return list(reversed(ws))


# The map (0-based addresses), shared with the tests through EXPECTED.
EXPECTED = {
    "f32_abcd": ("holding", 0, "float32", "ABCD", 230.5),
    "f32_cdab": ("holding", 2, "float32", "CDAB", -17.25),
    "i16": ("holding", 4, "int16", "AB", -1234),
    "u32_abcd": ("holding", 5, "uint32", "ABCD", 123456789),
    "f64": ("holding", 7, "float64", "ABCDEFGH", -12345.678),
    "u64_ghef": ("holding", 11, "uint64", "GHEFCDAB", 9007199254740000),
    "in_f32": ("input", 0, "float32", "ABCD", 50.0),
    "coil2": ("coil", 2, "bool", None, 1),
    "coil1": ("coil", 1, "bool", None, 0),
    "di1": ("discrete", 1, "bool", None, 1),
}


def text_words(text, count, order):
    """A string as count registers, two characters each, NUL-padded: AB puts
    each register's first character in its high byte, BA in its low byte."""
    raw = text.encode("ascii").ljust(2 * count, b"\0")
    ws = [int.from_bytes(raw[i:i + 2], "big") for i in range(0, 2 * count, 2)]
    return ws if order == "AB" else [((w & 0xFF) << 8) | (w >> 8) for w in ws]


# Values a double cannot carry and strings (area, address, type, order,
# count, value): the edges of 64-bit integers, read exactly, and text.
EXACT = {
    "u64_max": ("input", 10, "uint64", "ABCDEFGH", None, 2 ** 64 - 1),
    "i64_min": ("input", 14, "int64", "ABCDEFGH", None, -2 ** 63),
    "u64_p53_ghef": ("input", 18, "uint64", "GHEFCDAB", None, 2 ** 53 + 1),
    "u64_p53": ("holding", 40, "uint64", "ABCDEFGH", None, 2 ** 53 + 1),
    "i64_mp53": ("holding", 44, "int64", "ABCDEFGH", None, -(2 ** 53 + 1)),
    "model": ("input", 30, "string", "AB", 10, "iEM3155-230"),
    "serial": ("input", 40, "string", "BA", 4, "SN0042"),
}


def inputs():
    ir = [0] * 50
    ir[0:2] = words("f", 50.0)
    ir[10:14] = words("Q", 2 ** 64 - 1)
    ir[14:18] = words("q", -2 ** 63)
    ir[18:22] = swap_words(words("Q", 2 ** 53 + 1))
    ir[30:40] = text_words("iEM3155-230", 10, "AB")
    ir[40:44] = text_words("SN0042", 4, "BA")
    return ir


def holding(unit):
    hr = [0] * 50
    hr[0:2] = words("f", 230.5)
    hr[2:4] = swap_words(words("f", -17.25))
    hr[4:5] = words("h", -1234)
    hr[5:7] = words("I", 123456789)
    hr[7:11] = words("d", -12345.678)
    hr[11:15] = swap_words(words("Q", 9007199254740000))
    hr[20] = unit * 1000  # tells the units apart
    hr[30] = STATUS_WORD
    hr[40:44] = words("Q", 2 ** 53 + 1)   # a double cannot carry it
    hr[44:48] = words("q", -(2 ** 53 + 1))
    return hr


STATUS_WORD = 0xA005  # bits 0, 2, 13 and 15 set


class LoggingSlave(ModbusSlaveContext):
    def getValues(self, fc_as_hex, address, count=1):
        print("request %d %d %d %.6f" % (fc_as_hex, address, count, time.monotonic()), flush=True)
        return super().getValues(fc_as_hex, address, count)


def slave(unit):
    cls = LoggingSlave if os.environ.get("MVG_PEER_LOG") == "1" else ModbusSlaveContext
    return cls(
        hr=Block(0, holding(unit)),
        ir=Block(0, inputs()),
        co=Block(0, [0, 0, 1, 1] + [0] * 12),
        di=Block(0, [0, 1] + [0] * 14),
        zero_mode=True,  # or every address is off by one
    )


def identity():
    spec = os.environ.get("MVG_PEER_IDENTITY")
    if not spec:
        return None
    vendor, product, revision = spec.split("|")
    ident = ModbusDeviceIdentification()
    ident.VendorName = vendor
    ident.ProductCode = product
    ident.MajorMinorRevision = revision
    return ident


async def main():
    mode = sys.argv[1]
    ctx = ModbusServerContext(slaves={1: slave(1), 2: slave(2)}, single=False)
    ident = identity()
    if mode in ("tcp", "rtu-tcp"):
        framer = ModbusSocketFramer if mode == "tcp" else ModbusRtuFramer
        server = ModbusTcpServer(ctx, framer=framer, address=("127.0.0.1", int(sys.argv[2])),
                                 allow_reuse_address=True, identity=ident)
        task = asyncio.create_task(server.serve_forever())
        await server.serving
        print("ready", flush=True)
        await task
    else:
        server = ModbusSerialServer(ctx, framer=ModbusRtuFramer, port=sys.argv[2],
                                    baudrate=int(sys.argv[3]), parity="N", bytesize=8, stopbits=1,
                                    identity=ident)
        await server.start()
        print("ready", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
