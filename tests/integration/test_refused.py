"""Nothing refused is forgotten, with real peers on 127.0.0.1: mvgate-sim
(compressor plant, accelerated x600) -> mvgated -> a real mosquitto and a
real InfluxDB 1.x.

MQTT 5: the broker's ACL denies the gateway's user interval/#. The
records the broker refuses (PUBACK 0x87) stay in the outbox, parked;
`mvgate status` shows them and exits 1; the refusal is logged once, not
once per record. The ACL fixed and the broker restarted, every record
arrives, in order, and the capture verifies (mvgate verify).

InfluxDB: a measurement schema conflict makes it answer 400 to every
interval line. The refused entries are kept, shown by `mvgate status`
(exit 1) and `mvgate export --what refused`, logged once for the whole
outage (not once per request); after the conflict is removed `mvgate
outbox resend` has the running daemon send them: no interval record lost.
A broker down for seconds costs O(1) log lines too.

Drops at the outbox bound: a broker down, a small bound: the telemetry
dropped is logged once (not once per drop), `mvgate status` exits 1 until
`mvgate outbox ack-drops`."""

import json
import os
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN_S, SCALE, ORIGIN, Influxd, Mosquitto, plant_s  # noqa: E402

GW = "gw-demo-compressor"
INFLIGHT = 32
DENY = "user gw\ntopic readwrite mvgate/#\ntopic deny mvgate/v1/%s/interval/#\n" \
       "user reader\ntopic read mvgate/#\n" % GW
ALLOW = "user gw\ntopic readwrite mvgate/#\nuser reader\ntopic read mvgate/#\n"


def status(cfg):
    r = T.run([T.binary("mvgate"), "status", "-c", cfg, "--json"])
    return r.returncode, (json.loads(r.stdout) if r.stdout.strip() else None)


def wait_outbox(cfg, gw, pub, pred, timeout, what):
    """Waits until pred(the live figures of outbox pub) holds, reading the
    daemon's output meanwhile."""
    def ok():
        gw.pump(0)
        rc, st = status(cfg)
        return bool(st) and pred(st["outbox"][pub])
    T.wait_until(ok, timeout, what, interval=0.3)


def run_until(gw, anchor, hours):
    while plant_s(anchor) < ORIGIN_S + hours * 3600:
        gw.pump(0.05)


def test_mqtt_acl_refusals_parked_then_delivered_in_order():
    with T.TempDir() as d:
        port = T.free_port()
        broker = Mosquitto(d, port, users={"gw": "gw pass", "reader": "rpass"}, acl=DENY)
        try:
            check_mqtt(d, port, broker)
        finally:
            broker.stop()


def captured_seqs(path):
    """The seqs of the interval records in the capture so far, in arrival
    order, repeats kept (a line still being written is left out)."""
    seqs = []
    with open(path) as f:
        for line in f:
            topic, _, payload = line.rstrip("\n").partition(" ")
            parts = topic.split("/")
            if len(parts) > 3 and parts[3] == "interval" and payload.endswith("}"):
                seqs.append(json.loads(payload)["seq"])
    return seqs


def check_mqtt(d, port, broker):
    pw = T.write(os.path.join(d, "gw.pass"), "gw pass\n")
    os.chmod(pw, 0o600)
    cap_path = os.path.join(d, "capture.txt")
    cap = open(cap_path, "w")
    sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-v", "-q", "1",
                            "-c", "-i", "capture", "-u", "reader", "-P", "rpass",
                            "-t", "mvgate/v1/%s/#" % GW], stdout=cap, stderr=subprocess.DEVNULL)
    anchor = time.time()
    sim = T.plant_sim("compressor", 7)
    gw = None
    try:
        # MQTT 5 is the default: no version key
        cfg = T.fast_gateway_config("compressor", sim.port, d, T.SHORT_PROJECT + """
mqtt = { uri = "tcp://127.0.0.1:%d"; username = "gw"; password_file = "%s";
         telemetry = "every"; telemetry_every = 10; };
""" % (port, pw))
        args = T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor)
        gw = T.Proc(args, name="mvgated")
        # before the baseline model (1 h): only interval records are refused
        run_until(gw, anchor, 0.7)

        wait_outbox(cfg, gw, "mqtt", lambda o: o["parked"] >= 5, 20, "interval records parked")
        rc, st = status(cfg)
        assert rc == 1, st
        assert st["outbox"]["mqtt"]["depth"] >= st["outbox"]["mqtt"]["parked"], st["outbox"]
        text = T.mvgate("status", "-c", cfg)
        assert text.returncode == 1 and "REFUSED" in text.stdout, text.stdout
        gw.pump(0.2)
        refusals = [l for l in gw.err_lines if "refuses publishes" in l]
        assert len(refusals) == 1, refusals  # once, not once per record
        assert "0x87" in refusals[0], refusals

        # the ACL fixed, the broker restarted
        broker.stop()
        broker.set_acl(ALLOW)
        broker.start()
        run_until(gw, anchor, 1.4)
        # a broker down for 5 s (3000 plant seconds): O(1) lines
        before = len(gw.err_lines)
        broker.stop()
        run_until(gw, anchor, 1.4 + 5 * SCALE / 3600)
        broker.start()
        run_until(gw, anchor, 1.4 + 7 * SCALE / 3600)
        down = [l for l in gw.err_lines[before:] if "mqtt:" in l]
        assert len(down) <= 4, down

        wait_outbox(cfg, gw, "mqtt", lambda o: o["depth"] == 0 and o["parked"] == 0, 30,
                    "the mqtt outbox drained")
        assert gw.stop() == 0
        # The broker has every record (PUBACK); the subscriber gets what was
        # queued for its session while the broker was down only once it has
        # reconnected, after its own back-off: wait for that, not a fixed time.
        n = len(T.export(cfg))
        T.wait_until(lambda: len(set(captured_seqs(cap_path))) >= n, 30,
                     "the subscriber has all %d interval records" % n)
    finally:
        if gw:
            gw.stop()
        sim.stop()
        time.sleep(0.5)
        sub.terminate()
        sub.wait()
        cap.close()

    n = len(T.export(cfg))
    assert n > 12, n
    seqs = captured_seqs(cap_path)
    assert sorted(set(seqs)) == list(range(1, n + 1)), "missing: %s" % (
        sorted(set(range(1, n + 1)) - set(seqs)))
    highest = 0
    for s in seqs:  # in order: repeats only from within a reconnect's window
        if s < highest:
            assert highest - s < INFLIGHT, "seq %d arrived after %d" % (s, highest)
        highest = max(highest, s)
    key = T.mvgate("key", "show", "-c", cfg).stdout.split()[2]
    ver = T.mvgate("verify", "--pubkey", key, "--mqtt-capture", cap_path)
    assert ver.returncode == 0, ver.stdout + ver.stderr


def test_influx_400_kept_exported_and_resent():
    with T.TempDir() as d:
        influx = Influxd(d)
        try:
            check_influx(d, influx)
        finally:
            influx.stop()


def check_influx(d, influx):
    influx.query("CREATE DATABASE mvgate")
    # the conflict: seq as a string, in the shard of the plant's day (field
    # types are per shard); the gateway writes it as an integer
    req = urllib.request.Request(influx.url("/write?db=mvgate&precision=ms"),
                                 data=b'mvgate_interval,project=x seq="x" %d' % (ORIGIN_S * 1000))
    assert urllib.request.urlopen(req, timeout=10).status == 204
    anchor = time.time()
    sim = T.plant_sim("compressor", 8)
    gw = None
    try:
        cfg = T.fast_gateway_config("compressor", sim.port, d, T.SHORT_PROJECT + """
influx = { url = "http://127.0.0.1:%d"; db = "mvgate"; batch_lines = 500; };
""" % influx.http)
        args = T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor)
        gw = T.Proc(args, name="mvgated")
        run_until(gw, anchor, 1.2)  # about 7 s of 400s

        wait_outbox(cfg, gw, "influx", lambda o: o["parked"] >= 8, 20, "interval records parked")
        rc, st = status(cfg)
        assert rc == 1, st
        assert st["publishers"]["influx"]["rejected"] >= 1, st["publishers"]  # as of the daemon's last status
        refused = T.export(cfg, "refused")
        assert len(refused) >= 8, refused
        for e in refused:
            assert e["publisher"] == "influx" and e["class"] == "interval", e
            assert e["code"] == 400 and "field type conflict" in e["reason"], e
            assert e["payload"].startswith("mvgate_interval,"), e
        gw.pump(0.2)
        lines = [l for l in gw.err_lines if "influx:" in l and "HTTP 400" in l]
        assert len(lines) == 1, lines  # once for the whole outage

        # the conflict removed, a resend: the running daemon sends them
        influx.query('DROP MEASUREMENT "mvgate_interval"')
        r = T.mvgate("outbox", "resend", "-c", cfg, "--publisher", "influx")
        assert r.returncode == 0 and "influx:" in r.stdout, r.stdout + r.stderr

        wait_outbox(cfg, gw, "influx", lambda o: o["depth"] == 0 and o["parked"] == 0, 30,
                    "the influx outbox drained")
        assert T.export(cfg, "refused") == []
        assert gw.stop() == 0
    finally:
        if gw:
            gw.stop()
        sim.stop()
    n = len(T.export(cfg))
    res = influx.query('SELECT "seq" FROM "mvgate_interval" WHERE "project" = \'comp-vsd\'')
    got = sorted(r[1] for r in res["results"][0]["series"][0]["values"])
    assert got == list(range(1, n + 1)), "influx seqs: %d of %d" % (len(set(got)), n)


def test_drops_logged_once_and_acknowledged():
    with T.TempDir() as d:
        port = T.free_port()  # no broker yet
        anchor = time.time()
        sim = T.plant_sim("compressor", 9)
        gw = broker = None
        try:
            cfg = T.fast_gateway_config("compressor", sim.port, d, T.SHORT_PROJECT + """
store = { outbox_max_entries = 40; };
mqtt = { uri = "tcp://127.0.0.1:%d"; telemetry = "every"; };
""" % port)
            args = T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor)
            gw = T.Proc(args, name="mvgated")

            wait_outbox(cfg, gw, "mqtt", lambda o: o["dropped_unacked"] >= 100, 30,
                        "telemetry dropped at the bound")
            rc, st = status(cfg)
            assert rc == 1, st
            text = T.mvgate("status", "-c", cfg)
            assert text.returncode == 1 and "DROPPED" in text.stdout, text.stdout
            gw.pump(0.2)
            full = [l for l in gw.err_lines if "outbox full" in l]
            assert len(full) == 1, full  # hundreds of drops, one line (within a minute)
            assert "telemetry" in full[0], full

            broker = Mosquitto(d, port)

            wait_outbox(cfg, gw, "mqtt", lambda o: o["depth"] == 0, 30, "the mqtt outbox drained")
            r = T.mvgate("outbox", "ack-drops", "-c", cfg)
            assert r.returncode == 0 and "dropped entries acknowledged" in r.stdout, r.stdout
            rc, st = status(cfg)
            assert st["outbox"]["mqtt"]["dropped_unacked"] == 0, st["outbox"]
            assert st["outbox"]["mqtt"]["dropped"]["telemetry"] >= 100, st["outbox"]
            assert rc == 0, st
            assert gw.stop() == 0
        finally:
            if gw:
                gw.stop()
            sim.stop()
            if broker:
                broker.stop()


if __name__ == "__main__":
    T.main([test_mqtt_acl_refusals_parked_then_delivered_in_order,
            test_influx_400_kept_exported_and_resent,
            test_drops_logged_once_and_acknowledged])
