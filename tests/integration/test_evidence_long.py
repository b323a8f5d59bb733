"""The evidence over a long run: the simulated compressor plant for 12
plant hours at x1200 (about 140 five-minute intervals: a 3-hour baseline,
the model fit, the VSD retrofit, 8.5 hours of reporting). While it runs,
mvgated is SIGKILLed and restarted every few seconds, reloaded with SIGHUP,
its key is rotated (mvgate key rotate, applied at a reload) and the broker
is stopped and restarted. A subscriber captures everything from a real
mosquitto. Afterwards:

- `mvgate verify` passes over the whole MQTT capture with the gateway's
  first key: every interval record, the model record and the key rotation,
  one unbroken chain, nothing missing, repeats only as at-least-once
  delivery explains them;
- the capture holds exactly the records of `mvgate export --what chain`,
  byte for byte, and the export verifies too;
- `mvgate replay` recomputes every interval record and the frozen model
  from the stored samples and each matches the stored (and published)
  one."""

import json
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, Mosquitto, key_lines, mvgate  # noqa: E402

SCALE = 1200
GW = "gw-demo-compressor"
HOURS = 12.0
PROJECT = T.compressor_project("03:00", "03:30")

def plant_h(anchor):
    return (time.time() - anchor) * SCALE / 3600.0


def test_long_run_verifies_and_replays():
    rnd = random.Random(29)
    with T.TempDir() as d:
        port = T.free_port()
        broker = Mosquitto(d, port)
        capture = os.path.join(d, "capture.txt")
        sub_out = open(capture, "w")
        # a persistent QoS 1 session: what arrives while the broker is away
        # is delivered when both are back
        sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-v", "-q",
                                "1", "-c", "-i", "evidence", "-t", "mvgate/v1/%s/#" % GW],
                               stdout=sub_out, stderr=subprocess.DEVNULL)
        anchor = time.time()
        sim = T.plant_sim("compressor", 17, SCALE)
        gw = None
        kills = 0
        try:
            cfg = T.fast_gateway_config("compressor", sim.port, d, PROJECT + (
                'mqtt = { uri = "tcp://127.0.0.1:%d"; telemetry = "off"; keepalive_s = 5; };\n' % port),
                poll_ms=50)
            args = T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor)
            gw = T.Proc(args, name="mvgated")
            time.sleep(0.5)
            first_key = mvgate("key", "show", "-c", cfg)
            assert first_key.returncode == 0, first_key.stderr
            key_b64 = key_lines(first_key.stdout)[0]["public key"]
            events = [(3.5, "retrofit"), (5.0, "reload"), (7.0, "rotate"),
                      (9.0, "broker down"), (9.4, "broker up")]
            next_kill = time.time() + rnd.uniform(1.5, 3.0)
            while plant_h(anchor) < HOURS:
                gw.pump(0.02)
                if events and plant_h(anchor) >= events[0][0]:
                    _, action = events.pop(0)
                    if action == "retrofit":
                        assert sim.control("phase retrofit").startswith("ok")
                    elif action == "reload":
                        gw.signal(signal.SIGHUP)
                    elif action == "rotate":
                        r = mvgate("key", "rotate", "-c", cfg)
                        assert r.returncode == 0, r.stderr
                        gw.signal(signal.SIGHUP)
                    elif action == "broker down":
                        broker.stop()
                    else:
                        broker.start()
                if time.time() >= next_kill:
                    gw = T.kill_and_restart(gw, args)
                    kills += 1
                    next_kill = time.time() + rnd.uniform(1.5, 3.0)

            def drained():
                r = mvgate("status", "-c", cfg, "--json")
                if not r.stdout.strip():
                    return False
                st = json.loads(r.stdout)
                return st["outbox"].get("mqtt", {}).get("depth", 1) == 0
            T.wait_until(drained, 40, "the MQTT outbox drained", interval=0.5)
            assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        finally:
            if gw:
                gw.stop()
            sim.stop()
            time.sleep(0.5)
            sub.terminate()
            sub.wait()
            sub_out.close()
            broker.stop()
        assert kills >= 8, kills

        r = mvgate("export", "-c", cfg, "--format", "jsonl", "--what", "chain")
        assert r.returncode == 0, r.stderr
        exported_lines = [l for l in r.stdout.splitlines()
                          if l.strip() and json.loads(l)["kind"] != "head"]  # the signed heads apart
        chain = [json.loads(l) for l in exported_lines]
        assert any(json.loads(l)["kind"] == "head" for l in r.stdout.splitlines() if l.strip())
        kinds = [c["kind"] for c in chain]
        n_int = kinds.count("interval")
        assert n_int >= 130, n_int
        assert kinds.count("model") == 1 and kinds.count("key") == 1, kinds
        # the restarts and the reload kept the configuration: one definition
        assert kinds.count("definition") == 1 and kinds[0] == "definition", kinds
        assert {c["record"]["definition"] for c in chain if c["kind"] == "interval"} == {1}
        assert [c["chain"] for c in chain] == list(range(1, len(chain) + 1))

        # the whole capture: one chain from the first key, through the rotation
        v = mvgate("verify", "--pubkey", key_b64, "--mqtt-capture", capture)
        assert v.returncode == 0, v.stdout + v.stderr
        assert "\nOK: %d records, 1 projects" % len(chain) in v.stdout, v.stdout
        assert v.stdout.startswith("project comp-vsd: chain 1..%d checked, from the first record,"
                                   " reaches the last head" % len(chain)), v.stdout
        assert "1 key rotation(s)" in v.stdout, v.stdout
        print("capture (%d SIGKILLs): %s%s" % (kills, v.stdout.strip(), v.stderr.strip() and
                                               " | " + v.stderr.strip()))
        # ... and it is the stored chain, byte for byte
        got = {}
        with open(capture) as f:
            for line in f:
                topic, _, payload = line.rstrip("\n").partition(" ")
                if topic.split("/")[3] in ("interval", "model", "key", "definition"):
                    got.setdefault(json.loads(payload)["chain"], set()).add(payload)
        for c, line in zip(chain, exported_lines):
            raw = line[line.index(',"record":') + len(',"record":'):-1]
            assert got.get(c["chain"]) == {raw}, "chain %d differs or is missing" % c["chain"]
        path = T.write(os.path.join(d, "chain.jsonl"), r.stdout)
        v = mvgate("verify", "--pubkey", key_b64, "--export", path)
        assert v.returncode == 0 and "\nOK: %d records" % len(chain) in v.stdout, v.stdout

        # every interval record recomputed from the stored samples
        rp = mvgate("replay", "-c", cfg, "--project", "comp-vsd", "--time-scale", str(SCALE))
        assert rp.returncode == 0, rp.stdout + rp.stderr
        assert "replay: comp-vsd: %d records match (seq 1..%d); 1 of 1 models match" % (
            n_int, n_int) in rp.stdout, rp.stdout
        print(rp.stdout.strip().splitlines()[-1])
        # the verification report checks the same chain, through the rotation
        rep = mvgate("report", "-c", cfg, "--project", "comp-vsd", "--format", "json")
        assert rep.returncode == 0, rep.stderr
        doc = json.loads(rep.stdout)["chain"]
        first_fp = v.stdout.split("OK: ")[1].split(", key ")[1].split()[0].rstrip(",")
        assert doc["ok"] and doc["records"] == len(chain), doc
        assert doc["line"].startswith("OK: %d records (%d interval, 1 model, 1 key rotation, 1 definition), key %s,"
                                      " now "
                                      % (len(chain), n_int, first_fp)), doc
        assert doc["fingerprint"] == first_fp != doc["current_fingerprint"], doc

        reporting = [c["record"] for c in chain if c["kind"] == "interval"
                     and c["record"]["phase"] == "reporting"]
        assert len(reporting) >= 90, len(reporting)
        assert reporting[-1]["streams"][0]["cumulative"]["savings"] > 0


if __name__ == "__main__":
    T.main([test_long_run_verifies_and_replays])
