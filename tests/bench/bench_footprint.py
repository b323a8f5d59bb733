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
"""

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import mvgtest as T  # noqa: E402


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=100)
    ap.add_argument("--points", type=int, default=100)
    ap.add_argument("--buses", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=30)
    a = ap.parse_args()

    sim = T.Proc([T.binary("mvgate-sim"), "--bulk-devices", str(a.devices), "--bulk-points", str(a.points),
                  "--port", "0", "--control-port", "0"], name="mvgate-sim")
    sim.port = int(sim.wait_line(r"^ready tcp=(\d+)", timeout=10).group(1))
    d = tempfile.mkdtemp(prefix="mvgate-bench-")
    try:
        buses = ",\n".join('{ name = "b%d"; type = "tcp"; host = "127.0.0.1"; port = %d; timeout_ms = 1000; }'
                           % (i, sim.port) for i in range(a.buses))
        devs = []
        for u in range(1, a.devices + 1):
            pts = ", ".join('{ name = "p%d"; area = "holding"; address = %d; type = "float32"; unit = "kW"; }'
                            % (k, 2 * k) for k in range(a.points))
            devs.append('{ name = "d%d"; bus = "b%d"; unit_id = %d; interval_ms = 1000; points = ( %s ); }'
                        % (u, u % a.buses, u, pts))
        cfg = T.write(os.path.join(d, "bench.conf"),
                      'gateway = { id = "bench"; site = "bench"; data_dir = "%s"; };\nbuses = ( %s );\ndevices = ( %s );\n'
                      % (d, buses, ",\n".join(devs)))
        gw = T.Proc([T.binary("mvgated"), "-c", cfg, "--log-level", "notice"], name="mvgated")
        try:
            gw.wait_line(r"started", stream="err", timeout=20)
            time.sleep(5)  # settle: connections up, first polls done
            cpu0, _ = proc_stat(gw.pid)
            t0 = time.monotonic()
            peak_rss = 0
            while time.monotonic() - t0 < a.seconds:
                time.sleep(1)
                gw.pump(0)
                _, st = proc_stat(gw.pid)
                peak_rss = max(peak_rss, int(st["VmRSS"].split()[0]))
            cpu1, st = proc_stat(gw.pid)
            rollup = {}
            with open("/proc/%d/smaps_rollup" % gw.pid) as f:
                for line in f:
                    k, _, v = line.partition(":")
                    if v.strip().endswith("kB"):
                        rollup[k] = int(v.split()[0])
            wall = time.monotonic() - t0
            assert gw.p.poll() is None, "mvgated died"
            errors = [l for l in gw.err_lines if "warning" in l or "error" in l]
        finally:
            gw.stop()
        npoints = a.devices * a.points
        print("footprint: mvgated polling %d points (%d devices x %d float32) at 1 s over %d TCP connections"
              % (npoints, a.devices, a.points, a.buses))
        print("  RSS now %s, peak during window %d kB, high-water mark %s" % (st["VmRSS"], peak_rss, st["VmHWM"]))
        print("  of the RSS: private %d kB (heap, stacks, written pages), shared library and file pages %d kB;"
              " PSS %d kB" % (rollup["Private_Clean"] + rollup["Private_Dirty"],
                              rollup["Shared_Clean"] + rollup["Shared_Dirty"], rollup["Pss"]))
        print("  CPU %.2f s over %.1f s = %.2f %% of one core" % (cpu1 - cpu0, wall, 100 * (cpu1 - cpu0) / wall))
        print("  warnings/errors logged: %d" % len(errors))
        for l in errors[:5]:
            print("   ", l)
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
