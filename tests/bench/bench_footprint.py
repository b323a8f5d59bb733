#!/usr/bin/python3
"""Footprint of mvgated polling 10,000 points at 1 s from the simulator.

Starts mvgate-sim in bulk mode (DEVICES unit ids x POINTS float32 points),
mvgated with a config that polls all of them every second over BUSES TCP
connections, lets it settle, then samples the daemon's RSS (VmRSS, VmHWM)
and CPU time (utime+stime from /proc/PID/stat) over a measuring window and
prints the figures. Samples are logged at info level, so the daemon runs at
--log-level notice here: the figure is the polling path, not the logging.

  build/bin is found through MVG_BIN (default: build/bin of the checkout).
  usage: bench_footprint.py [--devices 100] [--points 100] [--buses 4] [--seconds 30]
                            [--mqtt] [--telemetry every|off|N] [--influx] [--project] [--http]

It prints the time `mvgate check` takes to read and check the same file,
the start-up (exec to every poller running and, with --mqtt, to the first
poll's telemetry at a subscriber). Beyond 247 devices each bus numbers its
units from 1 (the simulator serves 1..247).

--mqtt publishes to a real mosquitto on 127.0.0.1 with a subscriber reading
every message (as the verification dashboard would), telemetry every poll
unless --telemetry says otherwise; --influx writes to a real influxd as well;
--project adds one project (a 5-minute interval, one electricity stream on
device d1, linear in another of its points) so the engine, the signer and
the records are on the path too; --http turns the HTTP endpoint on and
scrapes /metrics and /api/live once a second, as Prometheus and an open
live page would. The publishing case (--mqtt --project) is
the one docs/performance.md heads with: every real site publishes.
"""

import argparse
import os
import select
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import mvgtest as T  # noqa: E402


def telemetry_seen(d):
    """The telemetry messages the subscriber has printed so far, and their
    payload bytes."""
    n = size = 0
    with open(os.path.join(d, "sub.txt")) as f:
        for line in f:
            topic, _, length = line.partition(" ")
            if "/telemetry/" in topic and length.strip().isdigit():
                n += 1
                size += int(length)
    return n, size


def proc_stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    status = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            status[k] = v.strip()
    return (utime + stime) / os.sysconf("SC_CLK_TCK"), status


def smaps(pid):
    """Resident and private kB per mapped object (anonymous mappings by
    their kind), largest first."""
    per = {}
    name = None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and not head[0].endswith(":"):
                name = head[5] if len(head) > 5 else "[anonymous]"
                per.setdefault(name, [0, 0])
            elif head[0] == "Rss:":
                per[name][0] += int(head[1])
            elif head[0] in ("Private_Clean:", "Private_Dirty:"):
                per[name][1] += int(head[1])
    return sorted(((r, p, n) for n, (r, p) in per.items()), reverse=True)


def influx_points(influx):
    """The mvgate_sample points in the server so far."""
    res = influx.query('SELECT count("value") FROM "mvgate_sample"')["results"][0]
    series = res.get("series")
    return series[0]["values"][0][1] if series else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=100)
    ap.add_argument("--points", type=int, default=100)
    ap.add_argument("--buses", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--mqtt", action="store_true", help="publish to a real mosquitto, with a subscriber")
    ap.add_argument("--telemetry", default="every", help="mqtt.telemetry: every, off or a number of polls")
    ap.add_argument("--influx", action="store_true", help="write to a real influxd as well")
    ap.add_argument("--project", action="store_true", help="one project on device d1")
    ap.add_argument("--http", action="store_true",
                    help="the HTTP endpoint on, /metrics and /api/live fetched every second")
    ap.add_argument("--http-idle", action="store_true", help="with --http: never fetched")
    ap.add_argument("--perf", metavar="FILE",
                    help="record a profile of mvgated over the window with perf record -g into FILE")
    ap.add_argument("--smaps", type=int, default=0, metavar="N",
                    help="also print the N mappings with the most resident kB (where the RSS is)")
    a = ap.parse_args()

    # The simulator serves unit ids 1..247: beyond that many devices, each
    # bus numbers its own from 1 (1,000 devices over 10 buses: 1..100 each)
    per_bus = a.devices > 247
    sim_units = -(-a.devices // a.buses) if per_bus else a.devices
    if sim_units > 247:
        ap.error("%d devices over %d buses need unit ids up to %d: at most 247" % (a.devices, a.buses, sim_units))
    sim = T.Proc([T.binary("mvgate-sim"), "--bulk-devices", str(sim_units), "--bulk-points", str(a.points),
                  "--port", "0", "--control-port", "0"], name="mvgate-sim")
    sim.port = int(sim.wait_line(r"^ready tcp=(\d+)", timeout=10).group(1))
    d = tempfile.mkdtemp(prefix="mvgate-bench-")
    broker = influx = sub = None
    try:
        extra = ""
        if a.mqtt:
            port = T.free_port()
            broker = T.Mosquitto(d, port)
            # one line per message (its topic), counted over the window: the
            # CPU figure is only worth something with the telemetry arriving
            sub_log = open(os.path.join(d, "sub.txt"), "w")
            sub = subprocess.Popen(["stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", str(port),
                                    "-q", "1", "-F", "%t %l", "-t", "mvgate/#"], stdout=sub_log)
            tel = ('telemetry = "%s";' % a.telemetry if a.telemetry in ("every", "off", "change")
                   else 'telemetry = "every"; telemetry_every = %d;' % int(a.telemetry))
            extra += 'mqtt = { uri = "tcp://127.0.0.1:%d"; %s };\n' % (port, tel)
        if a.influx:
            os.mkdir(os.path.join(d, "influx"))
            influx = T.Influxd(os.path.join(d, "influx"))
            influx.query("CREATE DATABASE mvgate")
            extra += 'influx = { url = "http://127.0.0.1:%d"; db = "mvgate"; };\n' % influx.http
        http_port = T.free_port() if a.http else None
        if a.http:
            extra += "http = { port = %d; };\n" % http_port
        if a.project:
            extra += """projects = ( { name = "bench-p"; technology = "air_compressor"; interval_min = 5;
  baseline = { start = "2026-01-01T00:00:00Z"; end = "2099-01-01T00:00:00Z"; };
  reporting = { start = "2099-01-02T00:00:00Z"; };
  streams = ( { name = "electricity"; type = "electricity"; unit = "kWh"; actual = "d1.p0";
                model = { type = "linear"; x = [ "d1.p1" ]; }; co2_kg_per_unit = 0.49; cost_per_unit = 1.35; } ); } );
"""
        buses = ",\n".join('{ name = "b%d"; type = "tcp"; host = "127.0.0.1"; port = %d; timeout_ms = 1000; }'
                           % (i, sim.port) for i in range(a.buses))
        devs = []
        for u in range(1, a.devices + 1):
            pts = ", ".join('{ name = "p%d"; area = "holding"; address = %d; type = "float32"; unit = "kW"; }'
                            % (k, 2 * k) for k in range(a.points))
            bus, unit = ((u - 1) % a.buses, (u - 1) // a.buses + 1) if per_bus else (u % a.buses, u)
            devs.append('{ name = "d%d"; bus = "b%d"; unit_id = %d; interval_ms = 1000; points = ( %s ); }'
                        % (u, bus, unit, pts))
        cfg = T.write(os.path.join(d, "bench.conf"),
                      'gateway = { id = "bench"; site = "bench"; data_dir = "%s"; require_synced_clock = false; };\nbuses = ( %s );\ndevices = ( %s );\n%s'
                      % (d, buses, ",\n".join(devs), extra))
        # the configuration alone, read and checked as the daemon does
        t = time.monotonic()
        subprocess.run([T.binary("mvgate"), "check", "-c", cfg], check=True, stdout=subprocess.DEVNULL)
        check_s = time.monotonic() - t
        first = (subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-C", "1",
                                   "-t", "mvgate/+/+/telemetry/#"], stdout=subprocess.PIPE)
                 if a.mqtt and a.telemetry != "off" else None)
        spawned = time.monotonic()
        gw = T.Proc([T.binary("mvgated"), "-c", cfg, "--log-level", "notice"], name="mvgated")
        try:
            # "started" is logged once the configuration is loaded, the store
            # open and every poller running: the first polls are under way
            gw.wait_line(r"started", stream="err", timeout=120)
            startup = time.monotonic() - spawned
            first_s = None
            if first:  # the first poll's telemetry at the subscriber
                if select.select([first.stdout], [], [], 60)[0]:
                    first.stdout.readline()
                    first_s = time.monotonic() - spawned
                first.kill()
                first.wait()
            time.sleep(5)  # settle: connections up, first polls done
            perf = (subprocess.Popen(["perf", "record", "-q", "--call-graph", "dwarf,16384", "-F", "400", "-o", a.perf, "-p", str(gw.pid)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) if a.perf else None)
            cpu0, _ = proc_stat(gw.pid)
            t0 = time.monotonic()
            tel0 = telemetry_seen(d) if a.mqtt else (0, 0)
            lines0 = influx_points(influx) if influx else 0
            peak_rss = 0
            scraped = 0
            while time.monotonic() - t0 < a.seconds:
                time.sleep(1)
                gw.pump(0)
                if a.http and not a.http_idle:
                    for path in ("/metrics", "/api/live"):
                        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (http_port, path),
                                                    timeout=5) as r:
                            scraped += len(r.read())
                _, st = proc_stat(gw.pid)
                peak_rss = max(peak_rss, int(st["VmRSS"].split()[0]))
            cpu1, st = proc_stat(gw.pid)
            tel1 = telemetry_seen(d) if a.mqtt else (0, 0)
            lines1 = influx_points(influx) if influx else 0
            rollup = {}
            with open("/proc/%d/smaps_rollup" % gw.pid) as f:
                for line in f:
                    k, _, v = line.partition(":")
                    if v.strip().endswith("kB"):
                        rollup[k] = int(v.split()[0])
            wall = time.monotonic() - t0
            if perf:
                perf.send_signal(2)
                perf.wait()
            mappings = smaps(gw.pid) if a.smaps else []
            assert gw.p.poll() is None, "mvgated died"
            errors = [l for l in gw.err_lines if "warning" in l or "error" in l]
        finally:
            gw.stop()
        npoints = a.devices * a.points
        pubs = [w for w, on in (("MQTT (telemetry %s) with a subscriber" % a.telemetry, a.mqtt),
                                ("InfluxDB", a.influx), ("one project", a.project),
                                ("the HTTP endpoint, never fetched" if a.http_idle else
                                 "the HTTP endpoint scraped every second", a.http)) if on]
        print("footprint: mvgated polling %d points (%d devices x %d float32) at 1 s over %d TCP connections; %s"
              % (npoints, a.devices, a.points, a.buses, ", ".join(pubs) or "no publisher, no project"))
        steady = int(st["VmRSS"].split()[0])
        print("  configuration read and checked (mvgate check): %.2f s" % check_s)
        print("  start-up (exec to pollers running): %.2f s%s" % (
            startup, "; to the first poll's telemetry at the subscriber: %.2f s" % first_s if first_s else ""))
        print("  RSS now %s, peak during window %d kB, high-water mark %s (%.2f x the steady RSS)"
              % (st["VmRSS"], peak_rss, st["VmHWM"], int(st["VmHWM"].split()[0]) / steady))
        print("  of the RSS: private %d kB (heap, stacks, written pages), shared library and file pages %d kB;"
              " PSS %d kB" % (rollup["Private_Clean"] + rollup["Private_Dirty"],
                              rollup["Shared_Clean"] + rollup["Shared_Dirty"], rollup["Pss"]))
        print("  CPU %.2f s over %.1f s = %.2f %% of one core" % (cpu1 - cpu0, wall, 100 * (cpu1 - cpu0) / wall))
        if a.mqtt:
            n, size = tel1[0] - tel0[0], tel1[1] - tel0[1]
            print("  telemetry at the subscriber over the window: %d messages, %.0f per second"
                  " (%d devices polled each second), %.0f kB/s" % (n, n / wall, a.devices,
                                                                    size / 1024 / wall))
        if influx:
            n = lines1 - lines0
            print("  InfluxDB: %d sample points written over the window, %.0f per second"
                  " (%d points polled each second)" % (n, n / wall, npoints))
        if a.http:
            print("  HTTP: %.0f kB of /metrics and /api/live per second" % (scraped / 1024 / a.seconds))
        for rss, private, name in mappings[:a.smaps]:
            print("    %7d kB resident (%7d kB private)  %s" % (rss, private, name))
        print("  warnings/errors logged: %d" % len(errors))
        for l in errors[:5]:
            print("   ", l)
    finally:
        sim.stop()
        if sub:
            sub.terminate()
            sub.wait()
        for srv in (broker, influx):
            if srv:
                srv.stop()


if __name__ == "__main__":
    main()
