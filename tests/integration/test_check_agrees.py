"""`mvgate check -c F` and `mvgated -c F` agree on every configuration: check
says OK exactly when the daemon starts (READY=1 on a NOTIFY_SOCKET we hold),
and when check refuses a file the daemon refuses it too, logging check's
first message. Run on every shipped configuration (config/examples,
config/demo, config/templates, the config fuzz corpus: the fragments among
them are refused by both) and on a set of broken ones, each breaking one rule
a publisher or the store used to meet only at start (TLS files that do not
parse or do not belong together among them). The meters of these
files are not there: that is not a configuration error, the devices go
offline and the daemon runs."""

import glob
import os
import re
import select
import socket
import stat
import sys

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402

PROFILES = os.path.join(T.SRC, "config", "profiles")
SHIPPED = sorted(glob.glob(os.path.join(T.SRC, "config", "examples", "*.conf")) +
                 glob.glob(os.path.join(T.SRC, "config", "demo", "*.conf")) +
                 glob.glob(os.path.join(T.SRC, "config", "templates", "*.conf")) +
                 glob.glob(os.path.join(T.SRC, "tests", "fuzz", "corpus", "fuzz_config", "*.conf")))
DATA_DIR = re.compile(r'data_dir\s*=\s*"[^"]*"')


def check(cfg):
    r = T.run([T.binary("mvgate"), "check", "-c", cfg, "--profile-dir", PROFILES])
    assert r.returncode in (0, 1), (cfg, r.returncode, r.stderr)
    return r.returncode == 0, r.stderr.splitlines()


def daemon(cfg, d, timeout=20.0):
    """(started, stderr lines): started once READY=1 arrived, refused when it exited first."""
    path = os.path.join(d, "notify.sock")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(path)
    gw = T.Proc([T.binary("mvgated"), "-c", cfg, "--profile-dir", PROFILES],
                env={"NOTIFY_SOCKET": path}, name="mvgated")
    try:
        def up_or_gone():
            gw.pump(0)
            r, _, _ = select.select([ns], [], [], 0.05)
            if r and "READY=1" in ns.recv(4096).decode().split("\n"):
                return "up"
            return "gone" if gw.p.poll() is not None else None
        state = T.wait_until(up_or_gone, timeout, "mvgated -c %s to start or exit" % cfg)
    finally:
        rc = gw.stop()
        ns.close()
        os.unlink(path)
    if state == "gone":
        assert rc == 1, (cfg, rc, gw.err_lines[-5:])
    return state == "up", gw.err_lines


def agree(cfg, d, expect=None):
    ok, diags = check(cfg)
    started, log = daemon(cfg, d)
    assert ok == started, ("%s: check %s but mvgated %s\ncheck: %s\nmvgated: %s"
                           % (cfg, "OK" if ok else "refused", "started" if started else "refused",
                              diags[:3], log[-5:]))
    if expect is not None:
        assert ok == expect, (cfg, ok, diags[:3])
    if not ok:
        # "FILE:LINE: message": the daemon logs the same message
        first = diags[0].split(": ", 1)[1] if diags[0].count(": ") else diags[0]
        assert any(first in line for line in log), (cfg, first, log[-5:])
    return diags


def with_data_dir(src, d, data_dir):
    """A copy of src whose data_dir is data_dir (the fragments without one stay as they are)."""
    text = open(src).read()
    dst = os.path.join(d, os.path.basename(src))
    T.write(dst, DATA_DIR.sub('data_dir = "%s"' % data_dir, text))
    return dst


def test_shipped_configurations():
    assert len(SHIPPED) >= 10, SHIPPED
    accepted = 0
    for src in SHIPPED:
        with T.TempDir() as d:
            diags = agree(with_data_dir(src, d, os.path.join(d, "state")), d)
            accepted += not diags
    assert accepted >= 5, accepted  # the examples at least


BASE = """gateway = { id = "gw"; site = "lab"; data_dir = "%(data)s"; };
buses = ( { name = "lan"; type = "tcp"; host = "127.0.0.1"; port = %(port)d; timeout_ms = 200; } );
devices = ( { name = "m"; bus = "lan"; points = ( { name = "v"; area = "input"; address = 0; type = "int16"; } ); } );
"""

# (name, extra text, whether check must accept it, a fragment of check's message)
CASES = [
    ("good-mqtt", 'mqtt = { uri = "tcp://127.0.0.1:%(port)d"; };', True, None),
    ("good-wss-ca", 'mqtt = { uri = "wss://127.0.0.1:%(port)d"; ca_file = "%(d)s/ca.crt"; version = 4; };', True, None),
    ("good-mqtts-client-cert", 'mqtt = { uri = "mqtts://127.0.0.1:%(port)d"; ca_file = "%(d)s/ca.crt"; cert_file = "%(d)s/client.crt"; key_file = "%(d)s/client.key"; };', True, None),
    ("mqtt-key-mismatch", 'mqtt = { uri = "mqtts://127.0.0.1:8883"; cert_file = "%(d)s/client.crt"; key_file = "%(d)s/other.key"; };', False, "is not the key of the certificate in %(d)s/client.crt (key values mismatch)"),
    ("mqtt-key-not-pem", 'mqtt = { uri = "mqtts://127.0.0.1:8883"; cert_file = "%(d)s/client.crt"; key_file = "%(file)s"; };', False, "holds no unencrypted PEM private key"),
    ("mqtt-cert-not-pem", 'mqtt = { uri = "mqtts://127.0.0.1:8883"; cert_file = "%(d)s/client.key"; key_file = "%(d)s/client.key"; };', False, "'cert_file' %(d)s/client.key holds no PEM certificate (no start line)"),
    ("mqtt-ca-not-pem", 'mqtt = { uri = "ssl://127.0.0.1:8883"; ca_file = "%(file)s"; };', False, "holds no PEM certificate (no start line)"),
    ("good-influx-auth", 'influx = { url = "http://127.0.0.1:%(port)d"; db = "x"; username = "u"; password_file = "%(file)s"; };', True, None),
    ("good-new-data-dir", "", True, None),  # data_dir does not exist yet: mvgated creates it
    ("mqtt-scheme", 'mqtt = { uri = "foo://127.0.0.1:1883"; };', False, "needs a scheme"),
    ("mqtt-no-scheme", 'mqtt = { uri = "127.0.0.1:1883"; };', False, "needs a scheme"),
    ("mqtt-no-host", 'mqtt = { uri = "tcp://"; };', False, "needs a scheme and a host"),
    ("mqtt-ca-on-tcp", 'mqtt = { uri = "tcp://127.0.0.1:1883"; ca_file = "%(file)s"; };', False, "needs a TLS 'uri'"),
    ("mqtt-ca-missing", 'mqtt = { uri = "mqtts://127.0.0.1:8883"; ca_file = "%(d)s/none.crt"; };', False, "cannot be read"),
    ("mqtt-cert-alone", 'mqtt = { uri = "ssl://127.0.0.1:8883"; cert_file = "%(d)s/client.crt"; };', False, "both 'cert_file' and 'key_file'"),
    ("mqtt-password-alone", 'mqtt = { uri = "tcp://127.0.0.1:1883"; password_file = "%(file)s"; };', False, "without 'username'"),
    ("mqtt-password-shared", 'mqtt = { uri = "tcp://127.0.0.1:1883"; username = "u"; password_file = "%(d)s/shared"; };', False, "readable by group and others"),
    ("influx-token-empty", 'influx = { url = "http://127.0.0.1:8086"; version = 2; org = "o"; bucket = "b"; token_file = "%(d)s/empty"; };', False, "is empty"),
    ("mqtt-password-missing", 'mqtt = { uri = "tcp://127.0.0.1:1883"; username = "u"; password_file = "%(d)s/none"; };', False, "cannot be read"),
    ("mqtt-qos", 'mqtt = { uri = "tcp://127.0.0.1:1883"; qos = 3; };', False, "'qos' must be 0..2"),
    ("mqtt-prefix", 'mqtt = { uri = "tcp://127.0.0.1:1883"; topic_prefix = "a/#"; };', False, "topic_prefix"),
    ("mqtt-unknown-key", 'mqtt = { uri = "tcp://127.0.0.1:1883"; broker = "x"; };', False, "unknown key 'broker'"),
    ("influx-scheme", 'influx = { url = "ftp://127.0.0.1"; db = "x"; };', False, "must start with http://"),
    ("influx-v2-token", 'influx = { url = "http://127.0.0.1:8086"; version = 2; org = "o"; bucket = "b"; };', False, "version 2 needs"),
    ("influx-token-missing", 'influx = { url = "http://127.0.0.1:8086"; version = 2; org = "o"; bucket = "b"; token_file = "%(d)s/none"; };', False, "cannot be read"),
    ("influx-user-no-password", 'influx = { url = "http://127.0.0.1:8086"; db = "x"; username = "u"; };', False, "'username' needs 'password_file'"),
    ("influx-timeout", 'influx = { url = "http://127.0.0.1:8086"; db = "x"; timeout_ms = 50; };', False, "'timeout_ms' must be 100..600000"),
    ("store-retention", 'store = { retention_days = -1; };', False, "'retention_days' must be 0..36500"),
    ("store-unknown-key", 'store = { vacuum = true; };', False, "unknown key 'vacuum'"),
    ("top-unknown-key", 'colour = "blue";', False, "unknown key 'colour'"),
]


def test_broken_and_edge_configurations():
    with T.TempDir() as d:
        # secret files are the owner's alone (daemon/base/secret.h), or refused
        secret = T.write(os.path.join(d, "secret"), "s3cret\n")
        os.chmod(secret, 0o600)
        os.chmod(T.write(os.path.join(d, "shared"), "s3cret\n"), 0o644)
        os.chmod(T.write(os.path.join(d, "empty"), "\n"), 0o600)
        # TLS files must parse and belong together (daemon/base/tlsfiles.h)
        T.tls_files(d)
        for name, extra, accepted, fragment in CASES:
            data = os.path.join(d, "state-" + name, "sub")
            text = BASE % {"data": data, "port": T.free_port()} + extra % {
                "port": T.free_port(), "file": secret, "d": d} + "\n"
            cfg = T.write(os.path.join(d, name + ".conf"), text)
            diags = agree(cfg, d, accepted)
            if fragment:
                fragment = fragment % {"d": d}
                assert any(fragment in l for l in diags), (name, fragment, diags)
            if accepted and name == "good-new-data-dir":
                assert os.path.isdir(data), data


def test_data_dir_that_cannot_be_used():
    with T.TempDir() as d:
        port = T.free_port()
        afile = T.write(os.path.join(d, "afile"), "x")
        cases = [
            ("relative", "var/lib/mvgate", "must be an absolute path"),
            ("a-file", afile, "is not a directory"),
            ("under-a-file", os.path.join(afile, "state"), "is not a directory"),
            ("bus-port", None, "'port' must be 1..65535"),
            ("baud", None, "baud 9601 is not a standard rate"),
        ]
        if os.geteuid() != 0:  # root may write anywhere: nothing to refuse
            ro = os.path.join(d, "ro")
            os.mkdir(ro)
            os.chmod(ro, stat.S_IRUSR | stat.S_IXUSR)
            cases += [("read-only", ro, "is not writable"),
                      ("under-read-only", os.path.join(ro, "state"), "is not writable")]
        for name, data, fragment in cases:
            text = BASE % {"data": data or os.path.join(d, "state"), "port": port}
            if name == "bus-port":
                text = text.replace("port = %d;" % port, "port = 70000;")
            if name == "baud":
                text = text.replace('{ name = "lan"; type = "tcp"; host = "127.0.0.1"; port = %d;' % port,
                                    '{ name = "lan"; type = "rtu"; device = "/dev/ttyS9"; baud = 9601;')
            cfg = T.write(os.path.join(d, name + ".conf"), text)
            diags = agree(cfg, d, False)
            assert any(fragment in l for l in diags), (name, fragment, diags)


if __name__ == "__main__":
    T.main([test_shipped_configurations, test_broken_and_edge_configurations,
            test_data_dir_that_cannot_be_used])
