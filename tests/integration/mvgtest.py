"""The helper module of the integration tests (the only module a test
imports besides the standard library and pymodbus_peer's table): binaries,
free ports, processes started and stopped by PID with readiness awaited
(never a bare sleep), the simulator and its control port, the accelerated
compressor plant the pipeline tests share (its clock, its project, its
gateway config), mosquitto, influxd and PostgreSQL of a test's own, the CLI's outputs
read back (export, key show), a subscriber's capture, and a small runner that prints
'N passed, M failed' and sets the exit code.

Every test runs on 127.0.0.1 with ports the kernel hands out."""

import base64
import datetime
import glob
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request

SRC = os.environ.get("MVG_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("MVG_BIN") or os.path.join(SRC, "build", "bin")


def binary(name):
    return os.path.join(BIN, name)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout=10.0, what="condition", interval=0.02):
    """Polls pred() until it returns a true value; fails with what."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def wait_port(port, timeout=10.0):
    def up():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            return False
    wait_until(up, timeout, "port %d to accept connections" % port)


class Proc:
    """A child process whose stdout and stderr are collected line by line."""

    def __init__(self, args, env=None, name=None):
        self.name = name or os.path.basename(args[0])
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL, env=full_env)
        self.out_lines = []
        self.err_lines = []
        self._bufs = {self.p.stdout.fileno(): b"", self.p.stderr.fileno(): b""}
        for f in (self.p.stdout, self.p.stderr):
            os.set_blocking(f.fileno(), False)

    @property
    def pid(self):
        return self.p.pid

    def pump(self, timeout=0.0):
        """Reads whatever output is available (waiting up to timeout)."""
        fds = [f for f in (self.p.stdout, self.p.stderr) if not f.closed]
        if not fds:
            return
        r, _, _ = select.select(fds, [], [], timeout)
        for f in r:
            try:
                data = os.read(f.fileno(), 65536)
            except BlockingIOError:
                continue
            buf = self._bufs[f.fileno()] + data
            *lines, rest = buf.split(b"\n")
            self._bufs[f.fileno()] = rest
            target = self.out_lines if f is self.p.stdout else self.err_lines
            target.extend(l.decode("utf-8", "replace") for l in lines)

    def wait_line(self, pattern, timeout=10.0, stream="out", start=0):
        """Waits for a line matching pattern; returns the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            lines = self.out_lines if stream == "out" else self.err_lines
            for line in lines[start:]:
                m = rx.search(line)
                if m:
                    return m
            if self.p.poll() is not None:
                self.pump(0)
                lines = self.out_lines if stream == "out" else self.err_lines
                for line in lines[start:]:
                    m = rx.search(line)
                    if m:
                        return m
                raise AssertionError("%s exited with %s before printing /%s/; stderr:\n%s"
                                     % (self.name, self.p.returncode, pattern, "\n".join(self.err_lines[-30:])))
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for /%s/ from %s; last stderr:\n%s"
                                     % (pattern, self.name, "\n".join(self.err_lines[-30:])))
            self.pump(min(left, 0.2))

    def signal(self, sig):
        if self.p.poll() is None:
            os.kill(self.p.pid, sig)

    def stop(self, timeout=10.0):
        """SIGTERM, then SIGKILL after timeout; returns the exit code."""
        if self.p.poll() is None:
            os.kill(self.p.pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while self.p.poll() is None and time.monotonic() < deadline:
                self.pump(0.05)
            if self.p.poll() is None:
                os.kill(self.p.pid, signal.SIGKILL)
                self.p.wait()
        self.pump(0)
        return self.p.returncode


class Sim:
    """mvgate-sim on free ports; ready when it printed its ready line."""

    def __init__(self, plant="compressor", phase="baseline", extra=()):
        args = [binary("mvgate-sim"), "--plant", plant, "--phase", phase, "--port", "0",
                "--control-port", "0"] + list(extra)
        self.proc = Proc(args, name="mvgate-sim")
        m = self.proc.wait_line(r"^ready tcp=(\d+) control=(\d+) rtu=(\S+)", timeout=10)
        self.port = int(m.group(1))
        self.control_port = int(m.group(2))
        self.rtu = None if m.group(3) == "-" else m.group(3)

    def control(self, line):
        with socket.create_connection(("127.0.0.1", self.control_port), timeout=5) as s:
            s.sendall((line + "\n").encode())
            f = s.makefile("r")
            return f.readline().strip()

    def stop(self):
        return self.proc.stop()


def accelerated_mvgated(cfg, scale, origin, anchor):
    """mvgated's command line for a plant clock running scale times faster
    from origin (ISO 8601), anchored at the real time anchor (time.time()),
    so that restarted daemons continue the same clock."""
    anchor_iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(anchor)) + ".%03dZ" % int((anchor % 1) * 1000)
    return [binary("mvgated"), "-c", cfg, "--log-level", "notice", "--time-scale", str(scale),
            "--time-origin", origin, "--time-anchor", anchor_iso]


class FakeClock:
    """libfaketime for a daemon: its wall clock (CLOCK_REALTIME) runs at
    the real time plus the offset the test writes ("+2d", "-1h", "+0"),
    read again on every call; the monotonic clock is left alone, as an NTP
    step leaves it. env() goes to Proc(..., env=)."""
    LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"

    def __init__(self, d, offset="+0"):
        assert os.path.exists(self.LIB), "libfaketime missing: tools/install-deps.sh installs faketime"
        self.path = os.path.join(d, "faketime")
        self.set(offset)

    def set(self, offset):
        tmp = self.path + ".new"
        write(tmp, offset + "\n")
        os.replace(tmp, self.path)

    def env(self):
        # FORCE_MONOTONIC_FIX=0: otherwise libfaketime shifts the deadline
        # of a condition variable on CLOCK_MONOTONIC and every wait returns
        # at once
        return {"LD_PRELOAD": self.LIB, "FAKETIME_TIMESTAMP_FILE": self.path,
                "FAKETIME_NO_CACHE": "1", "DONT_FAKE_MONOTONIC": "1",
                "FAKETIME_FORCE_MONOTONIC_FIX": "0"}


def kill_and_restart(proc, args):
    """SIGKILL a daemon, wait for it, start it again; returns the new Proc."""
    proc.signal(signal.SIGKILL)
    proc.p.wait()
    return Proc(args, name=proc.name)


def example_config(plant, port, data_dir):
    """The shipped example config of a plant, pointed at our simulator."""
    with open(os.path.join(SRC, "config", "examples", plant + ".conf")) as f:
        text = f.read()
    text = re.sub(r"port\s*=\s*5020", "port = %d" % port, text)
    text = re.sub(r'data_dir\s*=\s*"[^"]*"', 'data_dir = "%s"' % data_dir, text)
    return text


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="mvgate-test-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def tls_files(d):
    """A CA (ca.crt) and a client certificate it signed (client.crt, client.key)
    in d, made with the openssl command, a second key (other.key) that
    belongs to none of them, and a server certificate for localhost and
    127.0.0.1 (server.crt, server.key) signed by the CA. Returns d."""
    write(os.path.join(d, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    steps = [
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
         "-keyout", "ca.key", "-out", "ca.crt"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=gw", "-keyout", "client.key",
         "-out", "client.csr"],
        ["x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
         "-CAcreateserial", "-days", "2", "-out", "client.crt"],
        ["genpkey", "-algorithm", "RSA", "-out", "other.key"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout",
         "server.key", "-out", "server.csr"],
        ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
         "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt"],
    ]
    for s in steps:
        r = subprocess.run(["openssl"] + s, cwd=d, capture_output=True, text=True)
        assert r.returncode == 0, (s, r.stderr)
    os.chmod(os.path.join(d, "server.key"), 0o644)  # mosquitto drops to its own user
    return d


def run(args, timeout=60, env=None):
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=full_env)


def mvgate(*args):
    return run([binary("mvgate")] + list(args))


def schema(name):
    """docs/schemas/<name>.schema.json, parsed."""
    with open(os.path.join(SRC, "docs", "schemas", name + ".schema.json")) as f:
        return json.load(f)


# ---- the accelerated plant of the pipeline tests ----

SCALE = 600                      # plant seconds per real second
ORIGIN = "2026-01-05T00:00:00Z"  # the plant clock's start (a Monday)
ORIGIN_S = 1767571200            # the same in epoch seconds


def plant_s(anchor, scale=SCALE):
    """Plant time (epoch seconds) of a clock started at ORIGIN at the real
    time anchor."""
    return ORIGIN_S + (time.time() - anchor) * scale


def compressor_project(baseline_end, reporting_start, confidence=True, costs=True):
    """The compressor's VSD project (one electricity stream, linear in the
    air volume, 5-minute intervals): baseline from ORIGIN to baseline_end,
    installation until reporting_start ("HH:MM" on ORIGIN's day); the
    confidence level and the CO2 and cost factors only when asked for."""
    day = ORIGIN[:11]
    model = 'model = { type = "linear"; x = [ "air_flow.volume_m3" ]; };'
    stream_end = ("%s\n                  co2_kg_per_unit = 0.49; cost_per_unit = 1.35; } ); }" % model
                  if costs else "%s } ); }" % model)
    return """
projects = (
  { name = "comp-vsd"; technology = "air_compressor"; interval_min = 5;
    baseline = { start = "%s"; end = "%s%s:00Z"; };
    installation = { start = "%s%s:00Z"; end = "%s%s:00Z"; };
    reporting = { start = "%s%s:00Z"; };
%s    streams = ( { name = "electricity"; type = "electricity"; unit = "kWh";
                  actual = "comp_power.energy_kwh";
                  %s
);
""" % (ORIGIN, day, baseline_end, day, baseline_end, day, reporting_start, day, reporting_start,
       "    confidence = 0.90;\n" if confidence else "", stream_end)


# Two hours of baseline, half an hour of installation (test_pipeline,
# test_replay, test_report); one hour and ten minutes, without the factors
# (test_verify, test_key_rotation).
PROJECT = compressor_project("02:00", "02:30")
SHORT_PROJECT = compressor_project("01:00", "01:10", costs=False)


def plant_sim(plant, seed, scale=SCALE):
    """mvgate-sim of plant in its baseline phase, its clock at ORIGIN and
    scale times faster than real time."""
    return Sim(plant, "baseline", ["--time-scale", str(scale), "--start", ORIGIN, "--seed", str(seed)])


def fast_gateway_config(plant, port, d, extra, poll_ms=100):
    """<d>/gw.conf: the shipped example config of plant pointed at the
    simulator on port, polled every poll_ms (the plant runs faster than
    real time), with extra (projects, publishers) appended; its path."""
    text = example_config(plant, port, d).replace("interval_ms = 1000", "interval_ms = %d" % poll_ms)
    return write(os.path.join(d, "gw.conf"), text + extra)


LOG_SAMPLE_RX = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z info: (\S+)(?: \(offline\))?: (.*)$")


def sample_lines(proc, device, start=0):
    """mvgated's log lines of device's polls (stderr from line start on), as
    (datetime of the log line, the rest of the line)."""
    out = []
    for line in proc.err_lines[start:]:
        m = LOG_SAMPLE_RX.match(line)
        if m and m.group(2) == device:
            ts = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f")
            out.append((ts, m.group(3)))
    return out


def wait_samples(proc, device, count, timeout=15, start=0):
    """Waits for count polls of device in mvgated's log; sample_lines of them."""
    def enough():
        proc.pump(0.1)
        return len(sample_lines(proc, device, start)) >= count
    wait_until(enough, timeout, "%d polls of %s" % (count, device))
    return sample_lines(proc, device, start)


def export(cfg, what="intervals"):
    """`mvgate export --format jsonl --what what`, parsed line by line."""
    r = mvgate("export", "-c", cfg, "--format", "jsonl", "--what", what)
    assert r.returncode == 0, r.stderr
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def key_lines(text):
    """`mvgate key show` output: {label: value} of the current key's lines
    and the list of (label, key) of the others."""
    cur, others = {}, []
    for line in text.splitlines():
        k, v = line.strip().split(": ", 1)
        if line.startswith(" "):
            continue
        if k in ("public key", "fingerprint", "algorithm") and not others:
            cur[k] = v
        else:
            others.append((k, v))
    return cur, others


def enrol(cfg, path):
    """Writes the verifier's register with the gateway of cfg enrolled: the
    register line `mvgate key show` prints for its (first) key."""
    r = mvgate("key", "show", "-c", cfg)
    assert r.returncode == 0, r.stderr
    line = [l for l in r.stdout.splitlines() if l.startswith("register line: ")]
    assert line and not line[0].startswith("register line: none"), r.stdout
    return write(path, "# commissioning record\n%s\n" % line[0][len("register line: "):])


# ---- servers of a test's own ----

class Mosquitto:
    """mosquitto on 127.0.0.1:port, its persistent sessions kept in d over
    a stop and start. users: {name: password} for a password file (then
    no anonymous clients) and acl: the text of an ACL file (rewrite it
    with set_acl, then restart). tls_port: a second listener with TLS,
    its server certificate from tls_files(tls_dir); require_certificate:
    that listener wants a client certificate signed by the same CA
    (mutual TLS). extra: more lines of mosquitto.conf."""

    def __init__(self, d, port, users=None, acl=None, tls_port=None, tls_dir=None,
                 require_certificate=False, extra=""):
        self.port = port
        self.tls_port = tls_port
        # started as root, mosquitto drops to its own user: the directory
        # where it saves sessions over a restart must be writable by it
        store = os.path.join(d, "mosquitto")
        os.mkdir(store)
        os.chmod(store, 0o777)
        os.chmod(d, 0o711)  # mkdtemp made it 0700: let the broker's user through
        auth = "allow_anonymous true\n"
        if users:
            pw = os.path.join(d, "mosquitto.passwd")
            for i, (user, password) in enumerate(sorted(users.items())):
                subprocess.run(["mosquitto_passwd"] + (["-c"] if i == 0 else []) + ["-b"]
                               + [pw, user, password], check=True, capture_output=True)
            os.chmod(pw, 0o644)
            auth = "allow_anonymous false\npassword_file %s\n" % pw
        self.acl_path = os.path.join(d, "mosquitto.acl")
        if acl is not None:
            self.set_acl(acl)
            auth += "acl_file %s\n" % self.acl_path
        tls = ""
        if tls_port:
            os.chmod(tls_dir, 0o755)
            tls = ("listener %d 127.0.0.1\ncafile %s/ca.crt\ncertfile %s/server.crt\n"
                   "keyfile %s/server.key\nrequire_certificate %s\n"
                   % (tls_port, tls_dir, tls_dir, tls_dir,
                      "true" if require_certificate else "false"))
        self.conf = write(os.path.join(d, "mosquitto.conf"),
                          "per_listener_settings false\n%slistener %d 127.0.0.1\n%s"
                          "persistence true\npersistence_location %s/\nlog_dest none\n%s"
                          % (auth, port, tls, store, extra))
        self.start()

    def set_acl(self, text):
        write(self.acl_path, text)
        os.chmod(self.acl_path, 0o644)

    def start(self):
        self.proc = Proc(["/usr/sbin/mosquitto", "-c", self.conf], name="mosquitto")
        wait_port(self.port, 10)
        if self.tls_port:
            wait_port(self.tls_port, 10)

    def stop(self):
        self.proc.stop()


class Subscriber:
    """mosquitto_sub -v (QoS 1) of topic into path, stopped by PID; lines()
    reads what it has written so far."""

    def __init__(self, port, topic, path, client_id):
        self.path = path
        self.out = open(path, "w")
        self.p = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-v",
                                   "-q", "1", "-i", client_id, "-t", topic],
                                  stdout=self.out, stderr=subprocess.DEVNULL)

    def lines(self):
        with open(self.path) as f:
            return [l.rstrip("\n") for l in f if l.strip()]

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
        self.p.wait()
        self.out.close()


class Influxd:
    """InfluxDB 1.x on two free ports, its data in d; ready when /ping
    answers."""

    def __init__(self, d):
        self.http = free_port()
        bind = free_port()
        self.conf = write(os.path.join(d, "influxd.conf"), """reporting-disabled = true
bind-address = "127.0.0.1:%d"
[meta]
  dir = "%s/meta"
[data]
  dir = "%s/data"
  wal-dir = "%s/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:%d"
  log-enabled = false
[logging]
  level = "warn"
""" % (bind, d, d, d, self.http))
        self.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.http, path)

    def start(self):
        self.proc = Proc(["/usr/bin/influxd", "run", "-config", self.conf], name="influxd")

        def up():
            try:
                return urllib.request.urlopen(self.url("/ping"), timeout=1).status == 204
            except OSError:
                return False
        wait_until(up, 20, "influxd /ping")

    def query(self, q, db="mvgate"):
        data = urllib.parse.urlencode({"q": q, "db": db, "epoch": "ms"}).encode()
        with urllib.request.urlopen(self.url("/query"), data=data, timeout=10) as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.stop()


class Postgres:
    """PostgreSQL (Debian's server binaries, /usr/lib/postgresql/<ver>/bin) on
    127.0.0.1 and a free port, its cluster in a directory of its own: initdb
    and the server in the foreground (stopped by PID, like every server
    here), run as an unprivileged user when the tests run as root, since
    initdb refuses root. Trust authentication for the user "mvgate" on
    127.0.0.1 only; a database "hub" is created. conninfo() is the libpq
    string of a database."""

    def __init__(self, user="nobody"):
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                          key=lambda p: int(p.split("/")[4]))
        assert versions, "PostgreSQL's server is not installed (tools/install-deps.sh)"
        self.bin = os.path.dirname(versions[-1])
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="mvgate-pg-")
        self.prefix = []
        if os.geteuid() == 0:
            import pwd
            pw = pwd.getpwnam(user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.prefix = ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid,
                           "--clear-groups", "--"]
        self.data = os.path.join(self.dir, "data")
        r = run(self.prefix + [os.path.join(self.bin, "initdb"), "-D", self.data, "-U", "mvgate",
                               "-A", "trust", "--no-sync", "-E", "UTF8", "--locale", "C"],
                timeout=120, env={"HOME": self.dir})
        assert r.returncode == 0, r.stdout + r.stderr
        self.start()
        r = self.psql("CREATE DATABASE hub", db="postgres")

    def start(self):
        self.proc = Proc(self.prefix + [os.path.join(self.bin, "postgres"), "-D", self.data,
                                        "-h", "127.0.0.1", "-p", str(self.port),
                                        "-k", self.dir, "-c", "fsync=off"],
                         env={"HOME": self.dir}, name="postgres")

        def up():
            self.proc.pump(0)
            assert self.proc.p.poll() is None, "postgres exited: %s" % self.proc.err_lines[-5:]
            return run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "mvgate", "-d",
                        "postgres", "-Atc", "SELECT 1"]).returncode == 0
        wait_until(up, 30, "postgres to accept connections", interval=0.1)

    def conninfo(self, db="hub"):
        return "host=127.0.0.1 port=%d user=mvgate dbname=%s" % (self.port, db)

    def psql(self, sql, db="hub"):
        """Runs sql; the rows as lists of strings (| separated)."""
        r = run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "mvgate", "-d", db,
                 "-v", "ON_ERROR_STOP=1", "-Atc", sql])
        assert r.returncode == 0, r.stderr
        return [l.split("|") for l in r.stdout.splitlines()]

    def stop(self):
        self.proc.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def pty_pair(d):
    """A serial line for a test: two linked ptys in d (socat), the gateway on
    one end, a peer on the other. Returns (end_a, end_b, the socat Proc)."""
    a, b = os.path.join(d, "ttyA"), os.path.join(d, "ttyB")
    proc = Proc(["socat", "pty,raw,echo=0,link=" + a, "pty,raw,echo=0,link=" + b], name="socat")
    try:
        wait_until(lambda: os.path.exists(a) and os.path.exists(b), 10, "socat ptys")
    except BaseException:
        proc.stop()
        raise
    return a, b, proc


def skip(reason):
    """Ends the test program as skipped (ctest's SKIP_RETURN_CODE 77), saying
    why: for a test that cannot run here (not root), never for a failure."""
    print("SKIP: %s" % reason)
    sys.stdout.flush()
    sys.exit(77)


def hub_conf(d, name, port, db, mqtt="", top="", uri=None):
    """hub.conf for instance name in d: the broker on port (or uri), db the
    db group's body, mqtt more of the mqtt group, top more top-level keys;
    the register is d/register.txt. Returns its path."""
    return write(os.path.join(d, name + ".conf"), """id = "%s";
enrolled = "%s";
verify_interval_ms = 100;
%s
mqtt = { uri = "%s"; keepalive_s = 5; %s };
db = { %s };
""" % (name, os.path.join(d, "register.txt"), top, uri or "tcp://127.0.0.1:%d" % port, mqtt, db))


def start_hub(conf):
    """mvgate-hub -c conf, once it has subscribed."""
    h = Proc([binary("mvgate-hub"), "-c", conf], name="mvgate-hub")
    h.wait_line(r"subscribed to", timeout=10, stream="err")
    return h


class RecordKey:
    """An Ed25519 key that signs records by the chain's byte rule
    (docs/mqtt.md "Signed records"): the text without its sig member is
    signed and ,"sig":"<base64>" appended before the closing brace."""

    def __init__(self):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives import serialization
        self.sk = Ed25519PrivateKey.generate()
        pk = self.sk.public_key().public_bytes(serialization.Encoding.Raw,
                                               serialization.PublicFormat.Raw)
        self.pk_b64 = base64.b64encode(pk).decode()
        self.fp = hashlib.sha256(pk).hexdigest()[:32]

    def sign(self, text):
        """text: bytes of a JSON object (ending in '}') without sig."""
        sig = base64.b64encode(self.sk.sign(text)).decode().encode()
        return text[:-1] + b',"sig":"' + sig + b'"}'


def forged(raw):
    """A gateway's record raw re-signed under a new key (same prev: it claims
    the position), and that key's fingerprint."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives import serialization
    sk = Ed25519PrivateKey.generate()
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    fp = hashlib.sha256(pk).hexdigest()[:32]
    doc = raw[:-98] + b"}"
    old_fp = json.loads(raw)["key"].encode()
    doc = doc.replace(b'"key":"' + old_fp + b'"', b'"key":"' + fp.encode() + b'"')
    sig = base64.b64encode(sk.sign(doc))
    return doc[:-1] + b',"sig":"' + sig + b'"}', fp


def mqtt_publish(port, topic, payload, retain=False):
    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-t", topic,
                    "-s"] + (["-r"] if retain else []), input=payload, check=True)


def main(tests):
    """Runs each test function; prints a summary line; exits 1 on failure."""
    passed = failed = 0
    only = sys.argv[1:]
    for t in tests:
        if only and t.__name__ not in only:
            continue
        t0 = time.monotonic()
        try:
            t()
        except Exception:
            failed += 1
            print("FAIL %s (%.1f s)" % (t.__name__, time.monotonic() - t0))
            traceback.print_exc()
        else:
            passed += 1
            print("ok   %s (%.1f s)" % (t.__name__, time.monotonic() - t0))
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not passed else 0)
