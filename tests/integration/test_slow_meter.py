"""A Modbus TCP meter that trickles its reply one byte every 250 ms (each
byte inside the 300 ms timeout, the reply 4 s in all) and one behind a
TCP-to-RTU gateway whose replies carry another unit id: `mvgate read`
reports both as comm errors within the bus's budget (timeout_ms x (1 +
retries) plus backoff), and in mvgated the healthy device on the same bus
keeps its interval while neither bad one ever yields a good value. The peer
is a Python MBAP server in this process, on 127.0.0.1."""

import json
import os
import socket
import socketserver
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402

HEALTHY, SLOW, WRONG = 1, 2, 3
TRICKLE_S = 0.25


class Peer(socketserver.ThreadingTCPServer):
    """Unit 1 answers at once, unit 2 trickles, unit 3 answers as unit 7.
    Holding registers hold float32 230.5 at every even address."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.port = self.server_address[1]
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.shutdown()
        self.server_close()


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        buf = b""
        while True:
            try:
                data = sock.recv(4096)
            except OSError:
                return
            if not data:
                return
            buf += data
            while len(buf) >= 12:
                tid, proto, length, unit, fc, start, count = struct.unpack(">HHHBBHH", buf[:12])
                buf = buf[12:]
                regs = [0x4366 if (start + i) % 2 == 0 else 0x8000 for i in range(count)]
                pdu = struct.pack(">BB", fc, 2 * count) + b"".join(struct.pack(">H", r) for r in regs)
                reply = struct.pack(">HHHB", tid, 0, 1 + len(pdu), 7 if unit == WRONG else unit) + pdu
                try:
                    if unit == SLOW:
                        for i in range(len(reply)):
                            sock.sendall(reply[i:i + 1])
                            time.sleep(TRICKLE_S)
                    else:
                        sock.sendall(reply)
                except OSError:
                    return  # the client gave up on us


def config(d, port, interval):
    bus = ('{ name = "lan"; type = "tcp"; host = "127.0.0.1"; port = %d; timeout_ms = 300;'
           ' retries = 1; backoff_ms = 100; offline_after = 3; reprobe_ms = 2000; }' % port)
    dev = ('{ name = "%s"; bus = "lan"; unit_id = %d; interval_ms = %d; points = ('
           ' { name = "v"; area = "holding"; address = 0; type = "float32"; unit = "V"; } ); }')
    devices = ",\n  ".join(dev % (n, u, interval) for n, u in
                           (("healthy", HEALTHY), ("slow", SLOW), ("wrong", WRONG)))
    return T.write(os.path.join(d, "gw.conf"), """gateway = { id = "gw-test"; site = "lab"; data_dir = "%s"; };
buses = ( %s );
devices = ( %s );
""" % (d, bus, devices))


def read(cfg, device):
    t0 = time.monotonic()
    r = T.run([T.binary("mvgate"), "read", "-c", cfg, "--json", "--device", device])
    return time.monotonic() - t0, r.returncode, json.loads(r.stdout), r.stderr


def test_read_reports_comm_error_within_budget():
    peer = Peer()
    try:
        with T.TempDir() as d:
            cfg = config(d, peer.port, 1000)
            took, rc, out, err = read(cfg, "healthy")
            assert rc == 0 and out["healthy"]["v"]["value"] == 230.5, (out, err)
            # Budget: 300 ms, 100 ms backoff, 300 ms: 0.7 s (a trickle took 4 s).
            took, rc, out, err = read(cfg, "slow")
            assert rc == 1 and out["slow"]["v"]["quality"] == "comm_error", (out, err)
            assert out["slow"]["v"]["value"] is None
            assert "timeout after 300 ms" in err, err
            assert 0.6 <= took < 2.0, took
            took, rc, out, err = read(cfg, "wrong")
            assert rc == 1 and out["wrong"]["v"]["quality"] == "comm_error", (out, err)
            assert ("127.0.0.1:%d unit 3: read holding 0+2 (function 3): reply unit id 7, asked 3"
            % peer.port in err), err
    finally:
        peer.stop()


def test_healthy_device_keeps_its_interval():
    peer = Peer()
    interval = 500
    try:
        with T.TempDir() as d:
            cfg = config(d, peer.port, interval)
            gw = T.Proc([T.binary("mvgated"), "-c", cfg], name="mvgated")
            try:
                lines = T.wait_samples(gw, "healthy", 14, timeout=30)
                gaps = [(b[0] - a[0]).total_seconds() * 1000 for a, b in zip(lines, lines[1:])]
                # The slow device costs the bus at most its budget per poll (0.7 s
                # while online, 0.3 s per re-probe once offline): no gap of the
                # healthy one reaches two intervals, and on average they keep it.
                assert max(gaps) < 2 * interval, gaps
                mean = sum(gaps) / len(gaps)
                assert abs(mean - interval) < interval * 0.2, gaps
                assert all("v=230.5 V" in l for _, l in lines), lines[:3]
                for bad in ("slow", "wrong"):
                    polls = T.sample_lines(gw, bad)
                    assert polls and all("comm_error" in l for _, l in polls), (bad, polls[:3])
                    assert not any("230.5" in l for _, l in polls), (bad, polls[:3])
            finally:
                assert gw.stop() == 0
    finally:
        peer.stop()


if __name__ == "__main__":
    T.main([test_read_reports_comm_error_within_budget, test_healthy_device_keeps_its_interval])
