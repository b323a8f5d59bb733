#!/usr/bin/python3
"""Sample-to-broker latency through the whole daemon, on loopback.

mvgate-sim (compressor plant, real time) -> mvgated (poll every 100 ms,
MQTT telemetry on every poll, QoS 1) -> the pipeline (each poll's samples
committed to SQLite; its telemetry handed to the publisher by memory while
the publisher is caught up, else stored in the outbox first) -> the
publisher -> a real mosquitto ->
mosquitto_sub, which stamps each message on receipt (-F %U). A sample's
latency is its receipt time minus its own timestamp, which mvgated takes
when the meter's answer arrives; so the figure covers queue, store commit,
publisher wake-up and the broker's round trip. Target: p99 < 20 ms.
Prints figures only.

  usage: bench_latency.py [--seconds 30] [--sync normal|full]
"""

import argparse
import datetime
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import mvgtest as T  # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--sync", default="normal", choices=["normal", "full"])
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="mvgate-latency-")
    port = T.free_port()
    T.write(os.path.join(d, "mosquitto.conf"), "listener %d 127.0.0.1\nallow_anonymous true\nlog_dest none\n" % port)
    broker = T.Proc(["/usr/sbin/mosquitto", "-c", os.path.join(d, "mosquitto.conf")], name="mosquitto")
    T.wait_port(port)
    cap = open(os.path.join(d, "cap.txt"), "w")
    sub = subprocess.Popen(["mosquitto_sub", "-p", str(port), "-q", "1", "-t", "mvgate/v1/+/telemetry/#",
                            "-F", "%U %p"], stdout=cap)
    sim = T.Sim("compressor", "baseline")
    gw = None
    try:
        text = T.example_config("compressor", sim.port, d).replace("interval_ms = 1000", "interval_ms = 100")
        text += ('mqtt = { uri = "tcp://127.0.0.1:%d"; telemetry = "every"; };\n'
                 'store = { synchronous = "%s"; samples = "all"; };\n' % (port, a.sync))
        cfg = T.write(os.path.join(d, "gw.conf"), text)
        gw = T.Proc([T.binary("mvgated"), "-c", cfg, "--log-level", "notice"], name="mvgated")
        gw.wait_line(r"mqtt: connected", stream="err", timeout=20)
        t0 = time.time()
        while time.time() - t0 < a.seconds + 2:
            gw.pump(0.2)
    finally:
        if gw:
            gw.stop()
        sim.stop()
        sub.terminate()
        sub.wait()
        cap.close()
        broker.stop()
    lat = []
    import json
    with open(os.path.join(d, "cap.txt")) as f:
        for line in f:
            recv, _, payload = line.partition(" ")
            doc = json.loads(payload)
            for s in doc["samples"]:
                ts = datetime.datetime.strptime(s["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                    tzinfo=datetime.timezone.utc).timestamp()
                lat.append((float(recv) - ts) * 1000.0)
    lat = lat[len(lat) // 10:]  # the first seconds: connections coming up
    print("sample-to-broker latency, mvgated polling 2 devices (12 points) every 100 ms, "
          "telemetry every poll, QoS 1, synchronous=%s" % a.sync)
    print("  %d samples: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 < 20 ms)"
          % (len(lat), pct(lat, 50), pct(lat, 90), pct(lat, 99), max(lat)))


if __name__ == "__main__":
    main()
