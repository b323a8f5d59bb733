"""Register bits, the pause between requests and RS-485 line control
(issue 15 item 4), against pymodbus (an independent implementation) through
`mvgate read` and mvgated, and the config rules that go with them."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from pymodbus_peer import STATUS_WORD  # noqa: E402

PEER = os.path.join(os.path.dirname(__file__), "pymodbus_peer.py")


def start_peer(mode, *args, log=False):
    p = T.Proc(["/usr/bin/python3", PEER, mode] + [str(a) for a in args], name="pymodbus",
               env={"MVG_PEER_LOG": "1"} if log else None)
    p.wait_line(r"^ready", timeout=15)
    return p


def config(d, bus, devices):
    return T.write(os.path.join(d, "gw.conf"), """
gateway = { id = "gw-test"; site = "lab"; data_dir = "%s"; };
buses = ( %s );
devices = ( %s );
""" % (d, bus, devices))


def tcp(port, extra=""):
    return ('{ name = "b1"; type = "tcp"; host = "127.0.0.1"; port = %d; timeout_ms = 500;'
            ' retries = 0; %s }' % (port, extra))


BITS = """
  { name = "m1"; bus = "b1"; unit_id = 1; points = (
      { name = "word"; area = "holding"; address = 30; type = "uint16"; },
      %s ); }
""" % ",\n      ".join('{ name = "b%d"; area = "holding"; address = 30; type = "bool"; bit = %d; }'
                       % (b, b) for b in range(16))


def read_json(cfg):
    import json
    r = T.run([T.binary("mvgate"), "read", "-c", cfg, "--json"])
    assert r.stdout.strip(), r.stderr
    return r.returncode, json.loads(r.stdout), r.stderr


def test_register_bits_read():
    port = T.free_port()
    peer = start_peer("tcp", port, log=True)
    try:
        with T.TempDir() as d:
            cfg = config(d, tcp(port), BITS)
            start = len(peer.out_lines)
            rc, out, err = read_json(cfg)
            assert rc == 0, err
            assert out["m1"]["word"]["value"] == STATUS_WORD
            for b in range(16):
                want = (STATUS_WORD >> b) & 1
                assert out["m1"]["b%d" % b]["value"] == want, (b, out["m1"]["b%d" % b])
            # 17 points of one register: one request for all of them
            peer.pump(0.5)
            reqs = [l for l in peer.out_lines[start:] if l.startswith("request")]
            assert reqs == [reqs[0]] and reqs[0].split()[1:4] == ["3", "30", "1"], reqs
    finally:
        peer.stop()


def gaps(lines):
    ts = [float(l.split()[4]) for l in lines if l.startswith("request")]
    return [b - a for a, b in zip(ts, ts[1:])]


def test_request_gap_seen_by_the_peer():
    port = T.free_port()
    peer = start_peer("tcp", port, log=True)
    # three requests (max_gap 0 splits the points) to two devices
    devs = """
  { name = "m1"; bus = "b1"; unit_id = 1; max_gap = 0; points = (
      { name = "a"; area = "holding"; address = 0; type = "uint16"; },
      { name = "b"; area = "holding"; address = 20; type = "uint16"; } ); },
  { name = "m2"; bus = "b1"; unit_id = 2; points = (
      { name = "a"; area = "holding"; address = 20; type = "uint16"; } ); }"""
    try:
        with T.TempDir() as d:
            start = len(peer.out_lines)
            rc, out, err = read_json(config(d, tcp(port, "request_gap_ms = 300;"), devs))
            assert rc == 0 and out["m2"]["a"]["value"] == 2000, err
            peer.pump(0.5)
            g = gaps(peer.out_lines[start:])
            assert len(g) == 2 and min(g) >= 0.29, g  # 10 ms allowance for the peer's clock read
            # the daemon: consecutive polls of one device keep the gap too
            cfg = config(d, tcp(port, "request_gap_ms = 250;"), devs.replace(
                'unit_id = 1;', 'unit_id = 1; interval_ms = 100;'))
            start = len(peer.out_lines)
            gw = T.Proc([T.binary("mvgated"), "-c", cfg], name="mvgated")
            try:
                T.wait_until(lambda: (peer.pump(0.1), len(gaps(peer.out_lines[start:])) >= 6)[1],
                             20, "requests at the peer")
            finally:
                gw.stop()
            g = gaps(peer.out_lines[start:])
            assert min(g) >= 0.24, g
    finally:
        peer.stop()


def test_rs485_options_on_a_serial_line():
    with T.TempDir() as d:
        a, b, socat = T.pty_pair(d)
        try:
            peer = start_peer("rtu", b, 19200)
            try:
                bus = ('{ name = "b1"; type = "rtu"; device = "%s"; baud = 19200; timeout_ms = 500;'
                       ' retries = 0; %%s }' % a)
                dev = BITS
                # libmodbus drives RTS around each send (a pty ignores the line): reads work
                rc, out, err = read_json(config(d, bus % 'rts = "up"; rts_delay_us = 2000;', dev))
                assert rc == 0 and out["m1"]["b15"]["value"] == 1, err
                # a pty has no RS-485 mode: said as such, not a timeout
                rc, out, err = read_json(config(d, bus % "rs485 = true;", dev))
                assert rc == 1 and "cannot switch the port to RS-485 mode (rs485 = true)" in err, err
                assert out["m1"]["b0"]["quality"] == "comm_error", out
            finally:
                peer.stop()
        finally:
            socat.stop()


def check_errors(d, bus, devices):
    cfg = config(d, bus, devices)
    r = T.run([T.binary("mvgate"), "check", "-c", cfg])
    assert r.returncode != 0, r.stdout
    return r.stderr + r.stdout


def test_config_rules():
    ok_dev = '{ name = "m1"; bus = "b1"; points = ( { name = "a"; area = "holding"; address = 0; type = "uint16"; } ); }'
    with T.TempDir() as d:
        e = check_errors(d, tcp(502, "rs485 = true;"), ok_dev)
        assert "gw.conf:3: bus 'b1': 'rs485' does not apply to a tcp bus" in e, e
        e = check_errors(d, tcp(502, 'rts = "up";'), ok_dev)
        assert "gw.conf:3: bus 'b1': 'rts' does not apply to a tcp bus" in e, e
        e = check_errors(d, '{ name = "b1"; type = "rtu"; device = "/dev/ttyS0"; rts_delay_us = 10; }', ok_dev)
        assert "gw.conf:3: bus 'b1': 'rts_delay_us' needs 'rts' = \"up\" or \"down\"" in e, e
        e = check_errors(d, tcp(502, 'rts = "sideways";'), ok_dev)
        assert "gw.conf:3:" in e and "rts" in e, e
        e = check_errors(d, tcp(502, "request_gap_ms = -1;"), ok_dev)
        assert "gw.conf:3:" in e and "request_gap_ms" in e, e
        e = check_errors(d, tcp(502), ok_dev.replace('type = "uint16";', 'type = "uint16"; bit = 3;'))
        assert "gw.conf:4: device 'm1': point 'a': 'bit' takes one bit of a register: it needs " \
               "type bool in the holding or input area, not a uint16 in holding" in e, e
        e = check_errors(d, tcp(502), ok_dev.replace('type = "uint16";', 'type = "bool"; bit = 16;'))
        assert "gw.conf:4:" in e and "bit" in e and "0..15" in e, e
        e = check_errors(d, tcp(502), ok_dev.replace(
            'area = "holding"; address = 0; type = "uint16";', 'area = "coil"; address = 0; type = "bool"; bit = 1;'))
        assert "'bit' takes one bit of a register" in e and "in coil" in e, e
        # the same bit twice overlaps; different bits of one register do not
        two = ('{ name = "m1"; bus = "b1"; points = ( { name = "a"; area = "holding"; address = 0; type = "bool"; bit = 1; },\n'
               ' { name = "b"; area = "holding"; address = 0; type = "bool"; bit = %d; } ); }')
        e = check_errors(d, tcp(502), two % 1)
        assert "point 'b' (holding 0..0) overlaps point 'a'" in e, e
        r = T.run([T.binary("mvgate"), "check", "-c", config(d, tcp(502), two % 2)])
        assert "overlaps" not in r.stderr + r.stdout, r.stderr


if __name__ == "__main__":
    T.main([test_register_bits_read, test_request_gap_seen_by_the_peer,
            test_rs485_options_on_a_serial_line, test_config_rules])
