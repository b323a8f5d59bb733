"""mvgated's HTTP endpoint (docs/daemon.md "HTTP endpoint") on the simulated
compressor plant, accelerated x600, with a project, an MQTT outbox that
cannot drain (no broker) and a device on a bus where nothing listens:

- /metrics is read whole by a strict parser of the Prometheus text format
  written here (every line a comment or a valid sample, HELP and TYPE once
  per family and before its samples, a family's samples together, label
  values escaped, counters ending in _total, each histogram's buckets in
  increasing le with non-decreasing counts, ending at le="+Inf" and equal
  to _count), and its figures agree with `mvgate status --json`;
- the live page at / is loaded in headless Chromium: after its script ran,
  the DOM shows every device, every point with a value and its quality,
  and the dead device's state and last error;
- without an http section (and with enabled = false) nothing listens and
  neither mvgate-http.so nor libmicrohttpd is mapped;
- a reload stops the old server before the new one listens, on the new
  section's port;
- a port already taken stops the start with a message naming it, and the
  section's mistakes are FILE:LINE errors of `mvgate check`."""

import datetime
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvgtest as T  # noqa: E402

SCALE, ORIGIN = T.SCALE, T.ORIGIN

# ---- a strict parser of the text exposition format (version 0.0.4) ----

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
VALUE_RX = re.compile(r"^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|NaN|[+-]Inf)$")
SAMPLE_RX = re.compile(r"^(%s)(\{(.*)\})? (\S+)(?: (-?\d+))?$" % NAME)
LABEL_RX = re.compile(r'(%s)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)' % LABEL)
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def parse_value(text, where):
    assert VALUE_RX.match(text), "%s: %r is not a float" % (where, text)
    return float(text)


def parse_labels(text, where):
    labels, pos = {}, 0
    while pos < len(text):
        m = LABEL_RX.match(text, pos)
        assert m, "%s: bad label set {%s} at %d" % (where, text, pos)
        name, raw = m.group(1), m.group(2)
        assert name not in labels, "%s: label %s twice" % (where, name)
        labels[name] = re.sub(r"\\(.)", lambda e: {"n": "\n"}.get(e.group(1), e.group(1)), raw)
        pos = m.end()
        if m.group(3) == "" and pos < len(text):
            raise AssertionError("%s: text after the last label" % where)
    return labels


def family_of(name, types):
    """The declared family a sample name belongs to (histograms' suffixes)."""
    if name in types:
        return name
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and types.get(base) in ("histogram", "summary"):
            return base
    return None


def parse_metrics(text):
    """{family: {"type", "help", "samples": [(name, labels, value)]}}; raises
    AssertionError at the first line the format does not allow."""
    assert text.endswith("\n"), "the text does not end with a newline"
    families, types, order, seen_series = {}, {}, [], set()
    current = None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d %r" % (n, line)
        assert line.strip() == line and line, "%s: blank or padded line" % where
        if line.startswith("#"):
            m = re.match(r"^# (HELP|TYPE) (%s) (.*)$" % NAME, line)
            assert m, "%s: a comment that is neither HELP nor TYPE" % where
            kind, name, rest = m.groups()
            fam = families.setdefault(name, {"type": None, "help": None, "samples": []})
            assert not fam["samples"], "%s: %s after the family's samples" % (where, kind)
            if kind == "HELP":
                assert fam["help"] is None, "%s: a second HELP" % where
                assert re.match(r"^(?:[^\\]|\\[\\n])*$", rest), "%s: bad HELP escape" % where
                fam["help"] = rest
            else:
                assert fam["type"] is None, "%s: a second TYPE" % where
                assert rest in TYPES, "%s: unknown type" % where
                fam["type"] = types[name] = rest
            if name not in order:
                order.append(name)
            current = name
            continue
        m = SAMPLE_RX.match(line)
        assert m, "%s: not a sample" % where
        name, labels_text, value = m.group(1), m.group(3) or "", m.group(4)
        fam_name = family_of(name, types)
        assert fam_name, "%s: sample of an undeclared family" % where
        assert fam_name == current, "%s: family %s is not contiguous" % (where, fam_name)
        labels = parse_labels(labels_text, where)
        key = (name, tuple(sorted(labels.items())))
        assert key not in seen_series, "%s: the same series twice" % where
        seen_series.add(key)
        families[fam_name]["samples"].append((name, labels, parse_value(value, where)))
    for name, fam in families.items():
        assert fam["type"] and fam["help"], "%s: without TYPE or HELP" % name
        if fam["type"] == "counter":
            assert name.endswith("_total"), "counter %s does not end in _total" % name
            for _, _, v in fam["samples"]:
                assert v >= 0 and not math.isnan(v), "counter %s = %r" % (name, v)
        if fam["type"] == "histogram":
            check_histogram(name, fam["samples"])
    return families


def check_histogram(name, samples):
    series = {}
    for sname, labels, v in samples:
        rest = tuple(sorted((k, x) for k, x in labels.items() if k != "le"))
        s = series.setdefault(rest, {"buckets": [], "sum": None, "count": None})
        if sname == name + "_bucket":
            assert "le" in labels, "%s: a bucket without le" % name
            s["buckets"].append((parse_value(labels["le"], name), v))
        elif sname == name + "_sum":
            s["sum"] = v
        elif sname == name + "_count":
            s["count"] = v
        else:
            raise AssertionError("%s: sample %s in the histogram" % (name, sname))
    assert series, "%s: no series" % name
    for rest, s in series.items():
        b = s["buckets"]
        assert b and b[-1][0] == math.inf, "%s%s: does not end at le=\"+Inf\"" % (name, rest)
        les = [le for le, _ in b]
        assert les == sorted(les) and len(set(les)) == len(les), "%s%s: le %r" % (name, rest, les)
        counts = [c for _, c in b]
        assert all(a <= c for a, c in zip(counts, counts[1:])), "%s%s: %r" % (name, rest, counts)
        assert s["count"] == counts[-1], "%s%s: _count %r, +Inf %r" % (name, rest, s["count"], counts[-1])
        assert s["sum"] is not None and s["sum"] >= 0, "%s%s: _sum %r" % (name, rest, s["sum"])


def sample(families, name, **labels):
    fam = families[family_of(name, {k: v["type"] for k, v in families.items()})]
    for sname, l, v in fam["samples"]:
        if sname == name and all(l.get(k) == x for k, x in labels.items()):
            return v
    raise AssertionError("no sample %s%r" % (name, labels))


# ---- the plant ---------------------------------------------------------

def http_get(port, path, timeout=5):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=timeout) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


def plant_config(d, sim_port, dead_port, extra):
    """The compressor example with a project, and a third device 'far' on a
    bus where nothing listens."""
    text = T.example_config("compressor", sim_port, d).replace("interval_ms = 1000", "interval_ms = 100")
    text = text.replace("retries = 1; }\n);", 'retries = 1; },\n  { name = "far_bus"; type = "tcp"; '
                        'host = "127.0.0.1"; port = %d; timeout_ms = 200; retries = 0; }\n);' % dead_port, 1)
    text = text.replace("devices = (\n", 'devices = (\n  { name = "far"; bus = "far_bus"; unit_id = 7; '
                        'interval_ms = 500;\n    points = ( { name = "kw"; area = "input"; address = 0; '
                        'type = "float32"; unit = "kW"; } ); },\n', 1)
    assert "far_bus" in text and '"far"' in text
    return T.write(os.path.join(d, "gw.conf"), text + T.PROJECT + extra)


def status_json(cfg):
    r = T.run([T.binary("mvgate"), "status", "-c", cfg, "--json"])
    assert r.stdout.strip(), r.stderr
    return json.loads(r.stdout)


def listening_sockets(pid):
    """The TCP ports pid listens on: its socket inodes held to the kernel's
    tables of listening sockets."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        m = re.match(r"socket:\[(\d+)\]", link)
        if m:
            inodes.add(m.group(1))
    ports = []
    for table in ("tcp", "tcp6"):
        with open("/proc/%d/net/%s" % (pid, table)) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and cols[9] in inodes:
                    ports.append(int(cols[1].split(":")[-1], 16))
    return ports


def mapped(pid, pattern):
    with open("/proc/%d/maps" % pid) as f:
        return [l.split()[-1] for l in f if re.search(pattern, l)]


def dump_dom(url):
    """The page's DOM after its script ran (headless Chromium, virtual time
    for the first fetches)."""
    r = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--virtual-time-budget=6000", "--dump-dom", url],
                       capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout.decode()


def test_metrics_and_live_page():
    with T.TempDir() as d:
        anchor = time.time()
        sim = T.plant_sim("compressor", 5)
        port, dead_port, broker = T.free_port(), T.free_port(), T.free_port()
        cfg = plant_config(d, sim.port, dead_port, """
mqtt = { uri = "tcp://127.0.0.1:%d"; };
http = { port = %d; };
""" % (broker, port))
        gw = T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name="mvgated")
        try:
            gw.wait_line(r"http: serving /metrics and the live page on 127\.0\.0\.1:%d" % port,
                         timeout=20, stream="err")
            assert listening_sockets(gw.pid) == [port], listening_sockets(gw.pid)
            # a closed interval (5 plant minutes: half a second) that counts
            # (the first one after the start is not covered) and the dead
            # device gone offline (3 failed polls)
            def ready():
                gw.pump(0)
                try:
                    _, _, text = http_get(port, "/metrics")
                except OSError:
                    return None
                fams = parse_metrics(text)
                try:
                    if sample(fams, "mvgate_project_interval_valid", project="comp-vsd") != 1:
                        return None
                    return fams if sample(fams, "mvgate_device_online", device="far") == 0 else None
                except AssertionError:
                    return None
            T.wait_until(ready, 30, "a valid interval and 'far' offline in /metrics", interval=0.3)

            # the figures agree with `mvgate status --json` (written every 5 s)
            status = status_json(cfg)
            code, ctype, text = http_get(port, "/metrics")
            assert code == 200 and ctype.startswith("text/plain; version=0.0.4"), (code, ctype)
            fams = parse_metrics(text)
            devs = {x["name"]: x for x in status["devices"]}
            assert set(devs) == {"comp_power", "air_flow", "far"}, devs.keys()
            for name, st in devs.items():
                polls = sample(fams, "mvgate_device_polls_total", device=name)
                failed = sample(fams, "mvgate_device_failed_polls_total", device=name)
                # the status is at most 5 s older: at 10 polls a second, 60 more at most
                assert st["polls"] <= polls <= st["polls"] + 60, (name, st["polls"], polls)
                assert st["failed_polls"] <= failed <= st["failed_polls"] + 60, (name, st, failed)
                count = sample(fams, "mvgate_device_poll_round_trip_seconds_count", device=name)
                assert count == polls - failed if name != "far" else count == 0, (name, count, polls)
            assert sample(fams, "mvgate_device_online", device="comp_power") == 1
            assert sample(fams, "mvgate_device_failed_polls_total", device="comp_power") == 0
            assert sample(fams, "mvgate_device_polls_total", device="comp_power") > 10
            inf = sample(fams, "mvgate_device_poll_round_trip_seconds_bucket", device="comp_power", le="+Inf")
            fast = sample(fams, "mvgate_device_poll_round_trip_seconds_bucket", device="comp_power", le="0.5")
            assert fast == inf > 0, (fast, inf) # a simulator on the loopback answers in well under 0.5 s
            # no broker: the outbox only fills (retained documents replace
            # their predecessors, so its depth may also go down a little)
            ob = status["outbox"]["mqtt"]
            depth = sample(fams, "mvgate_outbox_depth", publisher="mqtt")
            assert depth > 0 and ob["depth"] > 0, (depth, ob)
            age = sample(fams, "mvgate_outbox_oldest_age_seconds", publisher="mqtt")
            taken = sample(fams, "mvgate_snapshot_time_seconds")
            oldest = datetime.datetime.strptime(ob["oldest"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=datetime.timezone.utc).timestamp()
            assert age > 0 and abs((taken - age) - oldest) < 6, (taken, age, ob)
            cov = sample(fams, "mvgate_project_interval_coverage_ratio", project="comp-vsd",
                         stream="electricity")
            assert 0.9 <= cov <= 1, cov
            end = sample(fams, "mvgate_project_last_interval_end_timestamp_seconds", project="comp-vsd")
            assert T.ORIGIN_S < end <= T.plant_s(anchor) and end % 300 == 0, end
            assert sample(fams, "mvgate_info", gateway="gw-demo-compressor") == 1

            # /api/live: the JSON the page draws
            code, ctype, body = http_get(port, "/api/live")
            assert code == 200 and ctype == "application/json", (code, ctype)
            live = json.loads(body)
            far = [x for x in live["devices"] if x["name"] == "far"][0]
            assert not far["online"] and "127.0.0.1" in far["last_error"], far
            assert far["points"][0]["value"] is None and far["points"][0]["quality"] == "comm_error", far

            # the page in a browser: every device, point, value and quality
            dom = dump_dom("http://127.0.0.1:%d/" % port)
            assert "data-loaded=" in dom, dom[:3000]
            for dev in live["devices"]:
                assert 'data-device="%s"' % dev["name"] in dom, dev["name"]
            comp = [x for x in live["devices"] if x["name"] == "comp_power"][0]
            assert len(comp["points"]) == 8
            for p in comp["points"] + [x for x in live["devices"] if x["name"] == "air_flow"][0]["points"]:
                m = re.search(r'<tr data-point="[a-z_]+\.%s"><td>%s</td><td class="num">([^<]+)</td>'
                              r'<td>[^<]*</td><td class="good">good</td>' % (p["name"], p["name"]), dom)
                assert m, "point %s without a good value in the page" % p["name"]
                float(m.group(1))  # a number, not a dash
            m = re.search(r'data-device="far"><h2>far <span class="offline">offline</span></h2>.*?'
                          r'<p class="err">last error: ([^<]+)</p>', dom)
            assert m and "127.0.0.1" in m.group(1), dom[dom.find('data-device="far"'):][:800]
            assert 'class="bad">comm_error' in dom
            assert "comp-vsd" in dom and "electricity" in dom

            # what is not served
            try:
                http_get(port, "/nothing")
                raise AssertionError("/nothing was served")
            except urllib.error.HTTPError as e:
                assert e.code == 404, e.code
            req = urllib.request.Request("http://127.0.0.1:%d/metrics" % port, data=b"x", method="POST")
            try:
                urllib.request.urlopen(req, timeout=5)
                raise AssertionError("POST was served")
            except urllib.error.HTTPError as e:
                assert e.code == 405, e.code
        finally:
            assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
            sim.stop()
        errors = [l for l in gw.err_lines if " error: " in l]
        assert not errors, errors


def start_plain(d, sim, extra):
    cfg = T.write(os.path.join(d, "gw.conf"), T.example_config("compressor", sim.port, d) + extra)
    gw = T.Proc([T.binary("mvgated"), "-c", cfg, "--log-level", "notice"], name="mvgated")
    gw.wait_line(r"notice: started:", timeout=20, stream="err")
    return gw


def test_nothing_listens_without_http():
    with T.TempDir() as d:
        sim = T.Sim()
        try:
            for extra in ("", "\nhttp = { enabled = false; port = %d; };\n" % T.free_port()):
                gw = start_plain(d, sim, extra)
                try:
                    # the endpoint would be up before "started" (gateway.c)
                    assert listening_sockets(gw.pid) == [], (extra, listening_sockets(gw.pid))
                    assert mapped(gw.pid, r"mvgate-http\.so|libmicrohttpd") == [], extra
                    assert not [l for l in gw.err_lines if "http:" in l], gw.err_lines
                finally:
                    assert gw.stop() == 0
        finally:
            sim.stop()


def test_reload_moves_the_endpoint():
    """SIGHUP: the old gateway's server stops (its port closes) before the
    new one listens on the new section's port; counters start again."""
    with T.TempDir() as d:
        sim = T.Sim()
        old, new = T.free_port(), T.free_port()
        try:
            gw = start_plain(d, sim, "\nhttp = { port = %d; };\n" % old)
            try:
                T.wait_until(lambda: http_get_or_none(old, "/metrics"), 10, "the first snapshot")
                cfg = os.path.join(d, "gw.conf")
                T.write(cfg, open(cfg).read().replace("port = %d;" % old, "port = %d;" % new))
                start = len(gw.err_lines)
                gw.signal(signal.SIGHUP)
                gw.wait_line(r"notice: reloaded:", timeout=20, stream="err", start=start)
                assert listening_sockets(gw.pid) == [new], listening_sockets(gw.pid)
                text = T.wait_until(lambda: http_get_or_none(new, "/metrics"), 10, "a snapshot on the new port")
                fams = parse_metrics(text)
                assert sample(fams, "mvgate_device_polls_total", device="comp_power") >= 0
                assert http_get_or_none(old, "/metrics") is None
            finally:
                assert gw.stop() == 0
        finally:
            sim.stop()


def http_get_or_none(port, path):
    """The body of a 200 answer, or None (not listening, or 503 before the
    first snapshot)."""
    try:
        code, _, body = http_get(port, path, timeout=2)
        return body if code == 200 else None
    except (OSError, urllib.error.HTTPError):
        return None


def test_port_taken_and_config_errors():
    with T.TempDir() as d:
        sim = T.Sim()
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        try:
            cfg = T.write(os.path.join(d, "gw.conf"), T.example_config("compressor", sim.port, d)
                          + "\nhttp = { port = %d; };\n" % port)
            gw = T.Proc([T.binary("mvgated"), "-c", cfg], name="mvgated")
            assert gw.p.wait(timeout=20) == 1
            gw.pump(0)
            msg = "http: cannot listen on 127.0.0.1:%d: Address already in use" % port
            assert any(msg in l for l in gw.err_lines), gw.err_lines
        finally:
            taken.close()
            sim.stop()
        bad = T.write(os.path.join(d, "bad.conf"), T.example_config("compressor", 5020, d) + """
http = {
  listen = "localhost";
  port = 0;
  enable = true;
};
""")
        r = T.run([T.binary("mvgate"), "check", "-c", bad])
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        n = open(bad).read().split("\n").index('  listen = "localhost";') + 1
        for want in ["bad.conf:%d: http: 'listen' \"localhost\" must be a numeric IPv4 or IPv6 address" % n,
                     "bad.conf:%d: http: 'port' must be 1..65535, not 0" % (n + 1),
                     "bad.conf:%d: http: unknown key 'enable'" % (n + 2)]:
            assert any(want in l for l in r.stderr.splitlines()), (want, r.stderr)


if __name__ == "__main__":
    if not shutil.which("chromium"):
        T.skip("chromium is not installed (tools/install-deps.sh)")
    T.main([test_metrics_and_live_page, test_nothing_listens_without_http,
            test_reload_moves_the_endpoint, test_port_taken_and_config_errors])
