"""`mvgate read` against real Modbus peers on 127.0.0.1: our simulator, and
pymodbus (an independent implementation) over TCP, RTU through a socat pty
pair, and RTU framing over TCP. Values are compared with those the peer
script encodes with Python's struct, not with mvgate's codec."""

import json
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from pymodbus_peer import EXPECTED  # noqa: E402

PEER = os.path.join(os.path.dirname(__file__), "pymodbus_peer.py")


def peer_points(extra=""):
    pts = []
    for name, (area, addr, typ, order, _) in EXPECTED.items():
        o = ' order = "%s";' % order if order else ""
        pts.append('{ name = "%s"; area = "%s"; address = %d; type = "%s";%s unit = "u"; }'
                   % (name, area, addr, typ, o))
    return ",\n      ".join(pts) + extra


def config(d, buses, devices):
    return T.write(os.path.join(d, "gw.conf"), """
gateway = { id = "gw-test"; site = "lab"; data_dir = "%s"; };
buses = ( %s );
devices = ( %s );
""" % (d, buses, devices))


def start_peer(mode, *args):
    p = T.Proc(["/usr/bin/python3", PEER, mode] + [str(a) for a in args], name="pymodbus")
    p.wait_line(r"^ready", timeout=15)
    return p


def read_json(cfg, *extra):
    r = T.run([T.binary("mvgate"), "read", "-c", cfg, "--json"] + list(extra))
    assert r.stdout.strip(), "no output; stderr: " + r.stderr
    return r.returncode, json.loads(r.stdout), r.stderr


def check_expected(values):
    for name, (_, _, _, _, want) in EXPECTED.items():
        got = values[name]
        assert got["quality"] == "good", (name, got)
        assert got["value"] == want, "%s: got %r want %r" % (name, got["value"], want)


def tcp_bus(port, name="lan", typ="tcp", timeout=500):
    return ('{ name = "%s"; type = "%s"; host = "127.0.0.1"; port = %d; timeout_ms = %d; retries = 0; }'
            % (name, typ, port, timeout))


def test_pymodbus_tcp_every_type():
    port = T.free_port()
    peer = start_peer("tcp", port)
    try:
        with T.TempDir() as d:
            cfg = config(d, tcp_bus(port), """
  { name = "m1"; bus = "lan"; unit_id = 1; points = ( %s ); },
  { name = "m2"; bus = "lan"; unit_id = 2; points = (
      { name = "tag"; area = "holding"; address = 20; type = "uint16"; },
      { name = "scaled"; area = "holding"; address = 4; type = "int16"; scale = 0.1; offset = 1.0; unit = "degC"; } ); }
""" % peer_points())
            rc, out, err = read_json(cfg)
            assert rc == 0, err
            check_expected(out["m1"])
            assert out["m2"]["tag"]["value"] == 2000
            assert abs(out["m2"]["scaled"]["value"] - (-1234 * 0.1 + 1.0)) < 1e-9
            assert out["m2"]["scaled"]["unit"] == "degC"
            # --device limits the poll to one device
            rc, out, err = read_json(cfg, "--device", "m2")
            assert rc == 0 and list(out) == ["m2"], out
            # text form names every point
            r = T.run([T.binary("mvgate"), "read", "-c", cfg])
            assert r.returncode == 0 and "u64_ghef" in r.stdout and "good" in r.stdout, r.stdout
    finally:
        peer.stop()


def test_exception_and_dead_device_are_flagged_not_zero():
    port = T.free_port()
    dead_port = T.free_port()  # nothing listens there
    peer = start_peer("tcp", port)
    try:
        with T.TempDir() as d:
            cfg = config(d, tcp_bus(port) + ", " + tcp_bus(dead_port, "dead"), """
  { name = "m1"; bus = "lan"; unit_id = 1; points = (
      { name = "ok"; area = "holding"; address = 0; type = "float32"; },
      { name = "beyond"; area = "holding"; address = 60; type = "uint16"; } ); },
  { name = "gone"; bus = "dead"; unit_id = 1; points = (
      { name = "kw"; area = "holding"; address = 0; type = "float32"; } ); }
""")
            rc, out, err = read_json(cfg)
            assert rc == 1, "some values are not good: exit 1"
            assert out["m1"]["ok"] == {"value": 230.5, "unit": "", "quality": "good"}, out["m1"]["ok"]
            assert out["m1"]["beyond"]["quality"] == "exception", out
            assert out["m1"]["beyond"]["exception_code"] == 2  # illegal data address
            assert out["m1"]["beyond"]["value"] is None
            assert out["gone"]["kw"]["quality"] == "comm_error" and out["gone"]["kw"]["value"] is None
            assert "gone" in err, err
    finally:
        peer.stop()


def test_rtu_through_socat_pty_pair():
    with T.TempDir() as d:
        a, b, socat = T.pty_pair(d)
        try:
            peer = start_peer("rtu", b, 19200)
            try:
                cfg = config(d, '{ name = "rs485"; type = "rtu"; device = "%s"; baud = 19200; parity = "N";'
                             ' data_bits = 8; stop_bits = 1; timeout_ms = 1000; retries = 1; }' % a, """
  { name = "m1"; bus = "rs485"; unit_id = 1; points = ( %s ); },
  { name = "m2"; bus = "rs485"; unit_id = 2; points = (
      { name = "tag"; area = "holding"; address = 20; type = "uint16"; } ); }
""" % peer_points())
                rc, out, err = read_json(cfg)
                assert rc == 0, err
                check_expected(out["m1"])
                assert out["m2"]["tag"]["value"] == 2000
            finally:
                peer.stop()
        finally:
            socat.stop()


def test_rtu_over_tcp():
    port = T.free_port()
    peer = start_peer("rtu-tcp", port)
    try:
        with T.TempDir() as d:
            cfg = config(d, tcp_bus(port, typ="rtu-tcp", timeout=1000), """
  { name = "m1"; bus = "lan"; unit_id = 1; points = ( %s ); },
  { name = "m2"; bus = "lan"; unit_id = 2; points = (
      { name = "tag"; area = "holding"; address = 20; type = "uint16"; } ); }
""" % peer_points())
            rc, out, err = read_json(cfg)
            assert rc == 0, err
            check_expected(out["m1"])
            assert out["m2"]["tag"]["value"] == 2000
    finally:
        peer.stop()


def test_simulator_example_configs():
    for plant in ("compressor", "chiller", "boiler", "wastewater", "voc"):
        sim = T.Sim(plant, extra=["--time-scale", "60", "--seed", "7"])
        try:
            with T.TempDir() as d:
                cfg = T.write(os.path.join(d, plant + ".conf"), T.example_config(plant, sim.port, d))
                rc, out, err = read_json(cfg)
                assert rc == 0, "%s: %s %s" % (plant, err, json.dumps(out)[:2000])
                npoints = sum(len(v) for v in out.values())
                assert npoints >= 4, (plant, out)
                for dev, pts in out.items():
                    for name, v in pts.items():
                        assert v["quality"] == "good" and isinstance(v["value"], (int, float)), (plant, dev, name, v)
        finally:
            sim.stop()


def test_usage_errors_exit_2():
    r = T.run([T.binary("mvgate"), "read"])
    assert r.returncode == 2 and "usage" in r.stderr
    with T.TempDir() as d:
        bad = T.write(os.path.join(d, "bad.conf"), 'gateway = { id = "x"; site = "y"; data_dir = "/tmp" ;\n')
        r = T.run([T.binary("mvgate"), "read", "-c", bad])
        assert r.returncode == 2 and "bad.conf:" in r.stderr, r.stderr


if __name__ == "__main__":
    T.main([test_pymodbus_tcp_every_type, test_exception_and_dead_device_are_flagged_not_zero,
            test_rtu_through_socat_pty_pair, test_rtu_over_tcp, test_simulator_example_configs,
            test_usage_errors_exit_2])
