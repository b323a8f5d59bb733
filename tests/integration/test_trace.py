"""`--trace` of `mvgate read` and mvgated: every request and reply frame in
hex with its round trip, per bus, and every failure. The frames are compared
with bytes built here from the request and the peer's register map (MBAP
header, RTU CRC computed in Python), not with mvgate's framing code."""

import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402

PEER = os.path.join(os.path.dirname(__file__), "pymodbus_peer.py")
TRACE_RX = re.compile(r"trace: bus (\S+) (\S+) unit (\d+) (tx|rx|error)(?: \+(\d+\.\d) ms)?:? ?(.*)$")


def crc16(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return struct.pack("<H", crc)


def hexs(b):
    return " ".join("%02x" % x for x in b)


def start_peer(mode, *args):
    p = T.Proc(["/usr/bin/python3", PEER, mode] + [str(a) for a in args], name="pymodbus")
    p.wait_line(r"^ready", timeout=15)
    return p


def config(d, bus, devices):
    return T.write(os.path.join(d, "gw.conf"), """
gateway = { id = "gw-test"; site = "lab"; data_dir = "%s"; };
buses = ( %s );
devices = ( %s );
""" % (d, bus, devices))


# pymodbus_peer.py: holding 0..1 of every unit is float32 230.5 (43 66 80 00).
DEVICES = """
  { name = "m1"; bus = "b1"; unit_id = 1; points = (
      { name = "v"; area = "holding"; address = 0; type = "float32"; } ); },
  { name = "ghost"; bus = "b1"; unit_id = 9; points = (
      { name = "v"; area = "holding"; address = 0; type = "float32"; } ); }
"""
PDU_REQ = bytes([0x03, 0x00, 0x00, 0x00, 0x02])
PDU_REPLY = bytes([0x03, 0x04, 0x43, 0x66, 0x80, 0x00])


def traces(stderr):
    out = []
    for line in stderr.splitlines():
        m = TRACE_RX.search(line)
        if m:
            out.append(m.groups())
    return out


def read_traced(cfg):
    r = T.run([T.binary("mvgate"), "read", "-c", cfg, "--json", "--trace"])
    assert '"v"' in r.stdout, r.stdout + r.stderr
    return r, traces(r.stderr)


def check_ghost_timeout(tr, where):
    err = [t for t in tr if t[2] == "9" and t[3] == "error"]
    assert err and err[0][1] == where and "timeout after 300 ms" in err[0][5], tr
    assert float(err[0][4]) >= 300.0, err  # measured from the request


def test_read_trace_tcp():
    port = T.free_port()
    peer = start_peer("tcp", port)
    try:
        with T.TempDir() as d:
            cfg = config(d, '{ name = "b1"; type = "tcp"; host = "127.0.0.1"; port = %d;'
                         ' timeout_ms = 300; retries = 0; }' % port, DEVICES)
            r, tr = read_traced(cfg)
            where = "127.0.0.1:%d" % port
            # first request of the connection: transaction id 1
            tx = bytes([0, 1, 0, 0, 0, 6, 1]) + PDU_REQ
            rx = bytes([0, 1, 0, 0, 0, 7, 1]) + PDU_REPLY
            m1 = [t for t in tr if t[2] == "1"]
            assert m1[0] == ("b1", where, "1", "tx", None, hexs(tx)), tr
            assert m1[1][:4] == ("b1", where, "1", "rx") and m1[1][5] == hexs(rx), tr
            assert 0.0 <= float(m1[1][4]) < 300.0, m1
            ghost_tx = [t for t in tr if t[2] == "9" and t[3] == "tx"]
            assert ghost_tx and ghost_tx[0][5] == hexs(bytes([0, 2, 0, 0, 0, 6, 9]) + PDU_REQ), tr
            check_ghost_timeout(tr, where)
            # without --trace: not a single frame
            plain = T.run([T.binary("mvgate"), "read", "-c", cfg, "--json"])
            assert not traces(plain.stderr) and "trace" not in plain.stderr, plain.stderr
    finally:
        peer.stop()


def test_read_trace_rtu_over_tcp():
    port = T.free_port()
    peer = start_peer("rtu-tcp", port)
    try:
        with T.TempDir() as d:
            cfg = config(d, '{ name = "b1"; type = "rtu-tcp"; host = "127.0.0.1"; port = %d;'
                         ' timeout_ms = 300; retries = 0; }' % port, DEVICES)
            r, tr = read_traced(cfg)
            where = "127.0.0.1:%d" % port
            tx = bytes([1]) + PDU_REQ
            rx = bytes([1]) + PDU_REPLY
            m1 = [t for t in tr if t[2] == "1"]
            assert m1[0][3:] == ("tx", None, hexs(tx + crc16(tx))), tr
            assert m1[1][3] == "rx" and m1[1][5] == hexs(rx + crc16(rx)), tr
            check_ghost_timeout(tr, where)
    finally:
        peer.stop()


def test_read_trace_rtu_serial():
    with T.TempDir() as d:
        a, b, socat = T.pty_pair(d)
        try:
            peer = start_peer("rtu", b, 19200)
            try:
                cfg = config(d, '{ name = "b1"; type = "rtu"; device = "%s"; baud = 19200;'
                             ' timeout_ms = 300; retries = 0; }' % a, DEVICES)
                r, tr = read_traced(cfg)
                tx = bytes([1]) + PDU_REQ
                rx = bytes([1]) + PDU_REPLY
                m1 = [t for t in tr if t[2] == "1"]
                assert m1[0] == ("b1", a, "1", "tx", None, hexs(tx + crc16(tx))), tr
                # libmodbus sends, the reply is read from the port: its own bytes
                assert m1[1][3] == "rx" and m1[1][5] == hexs(rx + crc16(rx)), tr
                assert 0.0 <= float(m1[1][4]) < 300.0, m1
                check_ghost_timeout(tr, a)
            finally:
                peer.stop()
        finally:
            socat.stop()


def test_read_trace_simulator():
    sim = T.Sim("compressor", extra=["--seed", "7"])
    try:
        with T.TempDir() as d:
            cfg = T.write(os.path.join(d, "c.conf"), T.example_config("compressor", sim.port, d))
            r = T.run([T.binary("mvgate"), "read", "-c", cfg, "--trace"])
            assert r.returncode == 0, r.stderr
            tr = traces(r.stderr)
            txs = [t for t in tr if t[3] == "tx"]
            rxs = [t for t in tr if t[3] == "rx"]
            assert txs and len(txs) == len(rxs), tr
            for i, (tx, rx) in enumerate(zip(txs, rxs)):
                q = bytes.fromhex(tx[5].replace(" ", ""))
                a = bytes.fromhex(rx[5].replace(" ", ""))
                assert len(q) == 12 and q[0:2] == struct.pack(">H", i + 1) and q[2:6] == b"\0\0\0\x06", tx
                count = struct.unpack(">H", q[10:12])[0]
                nbytes = 2 * count if q[7] in (3, 4) else (count + 7) // 8
                # same transaction and unit, function echoed, byte count for the quantity asked
                assert a[0:2] == q[0:2] and a[6:8] == q[6:8] and a[8] == nbytes, (tx, rx)
                assert len(a) == 9 + nbytes and struct.unpack(">H", a[4:6])[0] == 3 + nbytes, rx
    finally:
        sim.stop()


def test_daemon_trace():
    port = T.free_port()
    peer = start_peer("tcp", port)
    try:
        with T.TempDir() as d:
            cfg = config(d, '{ name = "b1"; type = "tcp"; host = "127.0.0.1"; port = %d;'
                         ' timeout_ms = 300; retries = 0; }' % port, """
  { name = "m1"; bus = "b1"; unit_id = 1; interval_ms = 200; points = (
      { name = "v"; area = "holding"; address = 0; type = "float32"; } ); }""")
            gw = T.Proc([T.binary("mvgated"), "-c", cfg, "--trace", "--log-level", "warning"],
                        name="mvgated")
            try:
                m = gw.wait_line(r"trace: bus b1 \S+ unit 1 rx \+\d+\.\d ms (.*)$", stream="err",
                                 timeout=15)
                assert m.group(1).endswith(hexs(bytes([1]) + PDU_REPLY)), m.group(0)
                assert gw.wait_line(r"trace: bus b1 \S+ unit 1 tx 00 01 00 00 00 06 01 03 00 00 00 02$",
                                    stream="err", timeout=5)
            finally:
                gw.stop()
            gw = T.Proc([T.binary("mvgated"), "-c", cfg, "--log-level", "debug"], name="mvgated")
            try:
                T.wait_samples(gw, "m1", 3)
            finally:
                gw.stop()
            assert not any("trace:" in l for l in gw.err_lines), gw.err_lines[:20]
    finally:
        peer.stop()


if __name__ == "__main__":
    T.main([test_read_trace_tcp, test_read_trace_rtu_over_tcp, test_read_trace_rtu_serial,
            test_read_trace_simulator, test_daemon_trace])
