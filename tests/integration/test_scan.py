"""`mvgate scan` against real peers on 127.0.0.1: pymodbus (which serves
Read Device Identification when given an identity) over Modbus TCP, RTU on
a socat pty pair and RTU framing over TCP, and our simulator (which has no
device identification and answers function 43 with exception 1). Checks the
units found, the identification strings, the profile match (by strings and
by signature registers), and that the printed fragment passes
`mvgate check` when pasted into a configuration; and that a broken identify
block is refused with FILE:LINE."""

import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402

PEER = os.path.join(os.path.dirname(__file__), "pymodbus_peer.py")
SRC = os.environ.get("MVG_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
IDENTITY = "Schneider Electric|A9MEM3155|1.2.3"

# Matches the peer's unit 2 only: holding 20 holds unit * 1000 there.
SIG_PROFILE = """# peer-unit2.conf: the pymodbus peer's unit 2 (test profile).
# Source: tests/integration/pymodbus_peer.py
profile = { maker = "test"; model = "peer"; manual = "pymodbus_peer.py"; manual_version = "1"; };
identify = { registers = ( { area = "holding"; address = 20; min = 1999; max = 2001; } ); };
points = ( { name = "tag"; area = "holding"; address = 20; type = "uint16"; } );
"""


def profile_dir(d, extra=None):
    """The shipped profiles and, optionally, test ones, in d/profiles."""
    p = os.path.join(d, "profiles")
    shutil.copytree(os.path.join(SRC, "config", "profiles"), p)
    for name, text in (extra or {}).items():
        T.write(os.path.join(p, name + ".conf"), text)
    return p


def start_peer(mode, *args, identity=None):
    env = dict(os.environ)
    if identity:
        env["MVG_PEER_IDENTITY"] = identity
    p = T.Proc(["/usr/bin/python3", PEER, mode] + [str(a) for a in args], env=env, name="pymodbus")
    p.wait_line(r"^ready", timeout=15)
    return p


def scan(*args):
    r = T.run([T.binary("mvgate"), "scan", "--timeout-ms", "250"] + [str(a) for a in args])
    return r.returncode, r.stdout, r.stderr


def units_found(out):
    return [int(u) for u in re.findall(r"^unit (\d+): answers", out, re.M)]


def unit_block(out, unit):
    m = re.search(r"^unit %d: answers.*?(?=^unit |^\d+ of )" % unit, out, re.M | re.S)
    assert m, "no block for unit %d in:\n%s" % (unit, out)
    return m.group(0)


def fragment(out):
    i = out.index("# config fragment")
    return out[i:]


def check_fragment(d, out, profiles):
    """The fragment, pasted below a gateway section, passes mvgate check."""
    cfg = T.write(os.path.join(d, "pasted.conf"),
                  'gateway = { id = "gw-scan"; site = "lab"; data_dir = "%s"; };\n%s'
                  % (d, fragment(out)))
    r = T.run([T.binary("mvgate"), "check", "-c", cfg, "--profile-dir", profiles])
    assert r.returncode == 0, "fragment refused:\n%s\n%s%s" % (fragment(out), r.stdout, r.stderr)


def test_tcp_identification_and_signature_registers():
    port = T.free_port()
    peer = start_peer("tcp", port, identity=IDENTITY)
    try:
        with T.TempDir() as d:
            profiles = profile_dir(d, {"peer-unit2": SIG_PROFILE})
            rc, out, err = scan("--host", "127.0.0.1", "--port", port, "--units", "1-3",
                                "--profile-dir", profiles)
            assert rc == 0, err
            assert units_found(out) == [1, 2], out
            assert "1 of" not in out and "2 of 3 unit ids answered" in out, out
            u1, u2 = unit_block(out, 1), unit_block(out, 2)
            for u in (u1, u2):
                assert ('identification: vendor "Schneider Electric", product "A9MEM3155", '
                        'revision "1.2.3"') in u, u
            # unit 1: the shipped iEM3000 profile by its identification strings
            assert "profile: schneider-iem3000 (matched by identification)" in u1, u1
            # unit 2: the signature register picks the test profile (first by
            # name); the iEM3000 profile matched as well and is named
            assert "profile: peer-unit2 (matched by holding 20 = 2000)" in u2, u2
            assert "also matched: schneider-iem3000" in u2, u2
            frag = fragment(out)
            assert 'unit_id = 1; profile = "schneider-iem3000"' in frag, frag
            assert 'unit_id = 2; profile = "peer-unit2"' in frag, frag
            assert 'type = "tcp"; host = "127.0.0.1"; port = %d;' % port in frag, frag
            check_fragment(d, out, profiles)
    finally:
        peer.stop()


def test_rtu_on_a_pty_pair():
    with T.TempDir() as d:
        a, b, socat = T.pty_pair(d)
        try:
            peer = start_peer("rtu", b, 19200, identity=IDENTITY)
            try:
                profiles = profile_dir(d)
                rc, out, err = scan("--device", a, "--baud", 19200, "--units", "1-4",
                                    "--bus-name", "rs485", "--profile-dir", profiles)
                assert rc == 0, err
                assert units_found(out) == [1, 2], out
                assert 'vendor "Schneider Electric", product "A9MEM3155"' in unit_block(out, 2)
                assert "profile: schneider-iem3000" in unit_block(out, 1), out
                frag = fragment(out)
                assert ('type = "rtu"; device = "%s"; baud = 19200; parity = "N"; data_bits = 8; '
                        'stop_bits = 1;' % a) in frag, frag
                assert '{ name = "rs485_2"; bus = "rs485"; unit_id = 2;' in frag, frag
                check_fragment(d, out, profiles)
            finally:
                peer.stop()
        finally:
            socat.stop()


def test_rtu_over_tcp_without_identity():
    """pymodbus without an identity answers function 43 with empty objects:
    nothing matches by strings, so no profile; the fragment says so."""
    port = T.free_port()
    peer = start_peer("rtu-tcp", port)
    try:
        with T.TempDir() as d:
            profiles = profile_dir(d)
            rc, out, err = scan("--host", "127.0.0.1", "--port", port, "--type", "rtu-tcp",
                                "--units", "2-3", "--profile-dir", profiles)
            assert rc == 0, err
            assert units_found(out) == [2], out
            u2 = unit_block(out, 2)
            assert 'identification: vendor "", product ""' in u2, u2
            assert "profile: none matched" in u2, u2
            assert "# unit 2: no profile matched" in fragment(out), out
            assert 'type = "rtu-tcp"' in fragment(out)
    finally:
        peer.stop()


def test_simulator():
    """The simulator's units answer (unit 1 with an exception to holding 0,
    which still counts), have no identification (exception 1), and a unit
    it does not have stays out of the list."""
    sim = T.Sim()
    try:
        rc, out, err = scan("--host", "127.0.0.1", "--port", sim.port, "--units", "1-9")
        assert rc == 0, err
        found = units_found(out)
        assert 1 in found and 9 not in found, out
        assert re.search(r"^unit 1: answers \(holding 0: exception 2 \(illegal data address\)\)",
                         out, re.M), out
        assert "identification: not supported (exception 1: illegal function)" in unit_block(out, 1)
        # nobody at all: exit 1
        rc, out, err = scan("--host", "127.0.0.1", "--port", sim.port, "--units", "200-201")
        assert rc == 1 and "0 of 2 unit ids answered" in out, (rc, out, err)
    finally:
        sim.stop()


def test_identify_block_errors_name_file_and_line():
    with T.TempDir() as d:
        bad = {
            "bad-empty": "identify = { };\n",
            "bad-both": 'identify = { registers = ( { area = "holding"; address = 3; value = 1; min = 0; max = 2; } ); };\n',
            "bad-area": 'identify = { registers = ( { area = "coil"; address = 3; value = 1; } ); };\n',
            "bad-key": 'identify = { vendr = "x"; };\n',
        }
        head = ('# %s.conf: test.\n# Source: test\nprofile = { maker = "t"; model = "t"; manual = "t"; '
                'manual_version = "1"; };\npoints = ( { name = "a"; area = "holding"; address = 0; '
                'type = "uint16"; } );\n')
        profiles = profile_dir(d, {n: head % n + text for n, text in bad.items()})
        want = {
            "bad-empty": "an empty block would match any meter",
            "bad-both": "give 'value' or 'min' and 'max', not both",
            "bad-area": "area",
            "bad-key": "vendr",
        }
        for name, msg in want.items():
            cfg = T.write(os.path.join(d, name + ".conf"), """
gateway = { id = "gw"; site = "lab"; data_dir = "%s"; };
buses = ( { name = "b"; type = "tcp"; host = "127.0.0.1"; } );
devices = ( { name = "m"; bus = "b"; unit_id = 1; profile = "%s"; } );
""" % (d, name))
            r = T.run([T.binary("mvgate"), "check", "-c", cfg, "--profile-dir", profiles])
            assert r.returncode != 0, name
            assert re.search(r"%s\.conf:5: .*%s" % (re.escape(name), re.escape(msg)), r.stderr), \
                (name, r.stderr)
        # scan warns about them and leaves them out, the rest still loads
        rc, out, err = scan("--host", "127.0.0.1", "--port", T.free_port(), "--units", "1",
                            "--profile-dir", profiles)
        assert rc == 1, (rc, out, err)
        assert re.search(r"warning: .*bad-empty\.conf:5: ", err), err


def test_usage_errors():
    for args in (["--units", "1-3"],                                    # no bus
                 ["--host", "h", "--device", "/dev/ttyS0"],             # both
                 ["--host", "127.0.0.1", "--units", "5-2"],
                 ["--device", "/dev/ttyS0", "--units", "0-3"],          # 0: broadcast on RTU
                 ["--device", "/dev/ttyS0", "--port", "502"],
                 ["--host", "127.0.0.1", "--baud", "9600"],
                 ["--host", "127.0.0.1", "--timeout-ms", "0"]):
        rc, out, err = scan(*args)
        assert rc == 2 and err.startswith("mvgate scan: "), (args, rc, err)


if __name__ == "__main__":
    T.main([test_tcp_identification_and_signature_registers, test_rtu_on_a_pty_pair,
            test_rtu_over_tcp_without_identity, test_simulator,
            test_identify_block_errors_name_file_and_line, test_usage_errors])
