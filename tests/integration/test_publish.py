"""The daemon's whole path to the dashboard, with real components on
127.0.0.1: mvgate-sim (compressor plant, accelerated x600) -> mvgated ->
store -> a real mosquitto (captured with mosquitto_sub) and a real InfluxDB
1.x (read back with queries). While it runs, the broker is stopped and
restarted, InfluxDB is stopped and restarted, and mvgated is killed with
SIGKILL and restarted. Afterwards, by seq: every interval record reached
the broker and InfluxDB, none is missing, none reordered, duplicates only
within the in-flight window; every message validates against its JSON
Schema in docs/schemas/."""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, ORIGIN_S, SCALE, Influxd, Mosquitto, plant_s  # noqa: E402

import jsonschema  # noqa: E402

GW = "gw-demo-compressor"
INFLIGHT = 32
PROJECT = T.compressor_project("02:00", "02:30", confidence=False)


def test_broker_influx_and_daemon_faults():
    with T.TempDir() as d:
        port = T.free_port()
        broker = Mosquitto(d, port)
        influx = Influxd(d)
        try:
            check_pipeline(d, port, broker, influx)
        finally:  # stopped by PID whatever happened
            influx.stop()
            broker.stop()


def check_pipeline(d, port, broker, influx):
    """The run, the faults and the checks (the caller stops the servers)."""
    influx.query("CREATE DATABASE mvgate")
    sub_out = open(os.path.join(d, "capture.txt"), "w")
    # a persistent QoS 1 session: what arrives while it is away is kept
    sub_args = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-v", "-q", "1", "-c",
                "-i", "capture", "-t", "mvgate/v1/%s/#" % GW]
    sub = subprocess.Popen(sub_args, stdout=sub_out, stderr=subprocess.DEVNULL)
    anchor = time.time()
    sim = T.plant_sim("compressor", 5)
    gw = None
    try:
        cfg = T.fast_gateway_config("compressor", sim.port, d, PROJECT + """
mqtt = { uri = "tcp://127.0.0.1:%d"; telemetry = "every"; telemetry_every = 10; keepalive_s = 5; };
influx = { url = "http://127.0.0.1:%d"; db = "mvgate"; batch_lines = 500; };
""" % (port, influx.http))
        args = T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor)
        gw = T.Proc(args, name="mvgated")
        events = [  # (plant hours, action)
            (1.0, "broker down"), (1.5, "broker up"), (2.0, "retrofit"),
            (2.3, "influx down"), (2.8, "influx up"), (3.1, "kill"), (3.6, "broker down"),
            (3.7, "kill"), (3.9, "broker up"),
        ]
        while events:
            gw.pump(0.05)
            h = (plant_s(anchor) - ORIGIN_S) / 3600
            if h < events[0][0]:
                continue
            _, action = events.pop(0)
            if action == "broker down":
                broker.stop()
            elif action == "broker up":
                broker.start()
            elif action == "influx down":
                influx.stop()
            elif action == "influx up":
                influx.start()
            elif action == "retrofit":
                assert sim.control("phase retrofit").startswith("ok")
            elif action == "kill":
                gw = T.kill_and_restart(gw, args)
        # run on to 4.5 h, then let the outboxes drain: the status says when
        while plant_s(anchor) < ORIGIN_S + 4.5 * 3600:
            gw.pump(0.1)

        def drained():
            r = T.run([T.binary("mvgate"), "status", "-c", cfg, "--json"])
            if not r.stdout.strip():
                return False
            st = json.loads(r.stdout)
            # the depths are read live; the publishers' figures come with
            # the daemon's status document, rewritten every 5 s
            return (all(o["depth"] == 0 for o in st["outbox"].values())
                    and st["publishers"]["mqtt"]["connected"]
                    and st["publishers"]["influx"]["last_ok"] is not None)
        T.wait_until(drained, 40, "both outboxes drained and the publishers connected", interval=0.5)
        st = json.loads(T.run([T.binary("mvgate"), "status", "-c", cfg, "--json"]).stdout)
        assert set(st["outbox"]) == {"mqtt", "influx"}, st["outbox"]
        # the samples the engine refused (late or out of order): a count
        assert type(st["engine"]["rejected"]) is int and st["engine"]["rejected"] >= 0, st.get("engine")
        assert st["publishers"]["mqtt"]["delivered"] > 0, st["publishers"]
        assert gw.stop() == 0
    finally:
        if gw:
            gw.stop()
        sim.stop()
        time.sleep(0.5)
        sub.terminate()
        sub.wait()
        sub_out.close()

    exported = [json.loads(l) for l in T.run([T.binary("mvgate"), "export", "-c", cfg, "--format", "jsonl"]).stdout.splitlines()]
    n = len(exported)
    assert n > 40 and [r["seq"] for r in exported] == list(range(1, n + 1))

    # --- MQTT: what the subscriber saw
    v_interval, v_tele, v_totals, v_status, v_model, v_identity, v_definition, v_head = (
        jsonschema.Draft7Validator(T.schema(s))
        for s in ("interval", "telemetry", "totals", "status", "model", "identity", "definition",
                  "head"))
    seqs, kinds, model_versions, definitions, in_force = [], {}, set(), set(), set()
    with open(os.path.join(d, "capture.txt")) as f:
        for line in f:
            topic, _, payload = line.rstrip("\n").partition(" ")
            kind = topic.split("/")[3]
            kinds[kind] = kinds.get(kind, 0) + 1
            doc = json.loads(payload)
            validator = {"interval": v_interval, "telemetry": v_tele, "totals": v_totals,
                         "status": v_status, "model": v_model, "identity": v_identity,
                         "definition": v_definition, "head": v_head}.get(kind)
            assert validator, topic
            errors = list(validator.iter_errors(doc))
            assert not errors, "%s: %s" % (topic, errors[0].message)
            if kind == "interval":
                assert topic.endswith("/interval/comp-vsd")
                seqs.append(doc["seq"])
                in_force.add(doc["definition"])
            if kind == "model":
                model_versions.add(doc["version"])
            if kind == "definition":
                assert topic.endswith("/definition/comp-vsd"), topic
                definitions.add(doc["version"])
    assert kinds.get("telemetry", 0) > 20 and kinds.get("totals", 0) > 10 and kinds.get("status", 0) >= 2, kinds
    assert kinds.get("model", 0) >= 1, kinds
    assert kinds.get("identity", 0) >= 1, kinds
    # one definition, written at the first start: the SIGKILL restart with
    # the same configuration writes none, and every record names it
    assert definitions == {1} and in_force == {1}, (definitions, in_force)
    # the signed chain (interval and model records) as the subscriber saw
    # it verifies with the gateway's key (repeats from reconnects are noted,
    # not failures)
    key = T.run([T.binary("mvgate"), "key", "show", "-c", cfg]).stdout.split()[2]
    ver = subprocess.run([T.binary("mvgate"), "verify", "--pubkey", key, "--mqtt-capture",
                          os.path.join(d, "capture.txt")], capture_output=True, text=True)
    assert ver.returncode == 0, ver.stdout + ver.stderr
    assert ver.stdout.startswith("project comp-vsd: chain 1..") and \
        "\nOK: %d records, 1 projects, key " % (n + len(model_versions) + 1) in ver.stdout, \
        (n, model_versions, ver.stdout)
    # nothing lost ...
    assert sorted(set(seqs)) == list(range(1, n + 1)), "missing seq: %s" % sorted(set(range(1, n + 1)) - set(seqs))
    # ... nothing reordered: a seq never arrives after a later one, except
    # when re-sent after a reconnect, and then only from within the window
    highest = 0
    for s in seqs:
        if s < highest:
            assert highest - s < INFLIGHT, "seq %d arrived after %d" % (s, highest)
        highest = max(highest, s)
    dups = len(seqs) - len(set(seqs))
    assert dups <= 3 * INFLIGHT, "%d duplicates" % dups  # three reconnects at most

    # --- InfluxDB: one point per interval record and stream, all seqs
    res = influx.query('SELECT "seq", "cum_savings" FROM "mvgate_interval" WHERE "project" = \'comp-vsd\'')
    rows = res["results"][0]["series"][0]["values"]
    got = sorted(r[1] for r in rows)
    assert got == list(range(1, n + 1)), "influx seqs: %d of %d" % (len(set(got)), n)
    res = influx.query('SELECT count("value") FROM "mvgate_sample"')
    assert res["results"][0]["series"][0]["values"][0][1] > 500, res


if __name__ == "__main__":
    T.main([test_broker_influx_and_daemon_faults])
