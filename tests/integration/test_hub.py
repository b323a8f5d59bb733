"""mvgate-hub against a real mosquitto and the real gateway (mvgated on the
simulated compressor, x600, its key rotated half way):

- SQLite: one hub, SIGKILLed twice while the gateway publishes (once for a
  while, so that the broker queues for its session): every chained record
  the gateway exported is stored with its exact bytes and verified "ok"
  from chain 1, the rotation followed from the enrolled key, no gaps; a
  record altered in one figure and one re-signed under another key,
  injected with mosquitto_pub, get the verdicts "altered" and "unknown key"
  and `mvgate hub status` names them and exits 1.
- PostgreSQL: two hub instances on one shared subscription ($share) and
  one database, one of them SIGKILLed and restarted: every position
  verified, each record once (the two instances both stored messages, and
  at-least-once repeats stay raw rows of one record).
- A large queued session (8,000 messages of 2.4 kB, 19 MB, queued while
  the hub was away): the hub subscribes again and stores every one (its
  CONNECT's Receive Maximum keeps the broker from sending more than its
  read buffer holds before the SUBACK).
- `mvgate hub enrol` appends a register line and refuses a duplicate."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, ORIGIN_S, SCALE, Mosquitto, mvgate, plant_s  # noqa: E402
from mvgtest import SHORT_PROJECT as PROJECT  # noqa: E402

GW = "gw-demo-compressor"


def hub_conf(d, name, port, db, extra=""):
    return T.hub_conf(d, name, port, db, mqtt=extra)


start_hub = T.start_hub


def run_gateway(d, port, hours, on_hour, hubs):
    """mvgated for hours plant hours, publishing to the broker on port, its
    key rotated at 0.8 h; the gateway is enrolled (register.txt) once its
    key exists and the hubs (a list of Procs) told by SIGHUP; on_hour(h) is
    called as the plant clock runs. Returns the gateway's config."""
    anchor = time.time()
    sim = T.plant_sim("compressor", 7)
    gw = None
    try:
        cfg = T.fast_gateway_config("compressor", sim.port, d, PROJECT + """
mqtt = { uri = "tcp://127.0.0.1:%d"; telemetry = "every"; telemetry_every = 50; };
""" % port)
        gw = T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name="mvgated")
        T.wait_until(lambda: os.path.exists(os.path.join(d, "gateway.pub")), 10, "the gateway key")
        T.enrol(cfg, os.path.join(d, "register.txt"))
        for h in hubs:
            h.signal(signal.SIGHUP)
            h.wait_line(r"register re-read: 1 enrolled", timeout=10, stream="err")
        rotated = switched = False
        while plant_s(anchor) < ORIGIN_S + hours * 3600:
            gw.pump(0.05)
            h = (plant_s(anchor) - ORIGIN_S) / 3600
            if not switched and h >= 0.5:
                assert sim.control("phase retrofit").startswith("ok")
                switched = True
            if not rotated and h >= 0.8:
                assert mvgate("key", "rotate", "-c", cfg).returncode == 0
                gw.signal(signal.SIGHUP)
                rotated = True
            on_hour(h)
        assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        gw = None
    finally:
        if gw:
            gw.stop()
        sim.stop()
    return cfg


def chain_records(cfg):
    """The gateway's own chained records: {(project, chain): bytes}."""
    out = {}
    r = mvgate("export", "-c", cfg, "--format", "jsonl", "--what", "chain")
    assert r.returncode == 0, r.stderr
    for line in r.stdout.splitlines():
        if line.strip():
            doc = json.loads(line)
            if doc["kind"] == "head":  # signed, but not a chain position
                continue
            raw = line[line.index(',"record":') + 10:-1].encode()
            out[(doc["project"], doc["chain"])] = raw
    assert out and any(json.loads(v)["schema"].startswith("mvgate/key/") for v in out.values())
    return out


def hub_status(conf):
    r = mvgate("hub", "status", "-c", conf)
    return r.returncode, r.stdout


forged = T.forged


def altered(raw):
    """raw with one figure changed, its signature kept."""
    doc = json.loads(raw)
    old = b'"seq":%d' % doc["seq"]
    assert old in raw
    return raw.replace(old, b'"seq":%d' % (doc["seq"] + 1000), 1)


publish = T.mqtt_publish


def wait_verified(count_ok, want, what):
    T.wait_until(lambda: count_ok() >= want, 30, what, interval=0.2)


def test_sqlite_sigkill_forgery():
    with T.TempDir() as d:
        port = T.free_port()
        broker = Mosquitto(d, port)
        db_path = os.path.join(d, "hub.db")
        T.write(os.path.join(d, "register.txt"), "")
        conf = hub_conf(d, "hub-a", port, 'backend = "sqlite"; path = "%s";' % db_path)
        hub = [start_hub(conf)]
        state = {"killed": 0, "down_until": None}
        try:
            def on_hour(h):
                hub[0].pump(0)
                if state["killed"] == 0 and h >= 0.4:
                    hub[0].signal(signal.SIGKILL)  # gone for a while: the broker queues
                    hub[0].p.wait()
                    state["killed"], state["down_until"] = 1, h + 0.3
                elif state["killed"] == 1 and h >= state["down_until"]:
                    hub[0] = start_hub(conf)
                    state["killed"] = 2
                elif state["killed"] == 2 and h >= 1.0:
                    hub[0] = T.kill_and_restart(hub[0], [T.binary("mvgate-hub"), "-c", conf])
                    state["killed"] = 3
            cfg = run_gateway(d, port, 1.3, on_hour, hub)
            assert state["killed"] == 3, state
            records = chain_records(cfg)

            def count_ok():
                with sqlite3.connect(db_path) as c:
                    return c.execute("SELECT COUNT(*) FROM hub_records WHERE verdict = 'ok'"
                                     ).fetchone()[0]
            wait_verified(count_ok, len(records), "%d records verified" % len(records))
            with sqlite3.connect(db_path) as c:
                rows = c.execute("SELECT project, chain, payload, verdict FROM hub_records").fetchall()
                hubs = {r[0] for r in c.execute("SELECT DISTINCT hub FROM hub_messages")}
            assert hubs == {"hub-a"}, hubs
            got = {(p, ch): (bytes(b), v) for p, ch, b, v in rows}
            assert set(got) == set(records), sorted(set(records) ^ set(got))
            for k, raw in records.items():
                assert got[k] == (raw, "ok"), (k, got[k][1])
            rc, out = hub_status(conf)
            n = max(ch for _, ch in records)
            assert rc == 0 and "verified chain 1..%d" % n in out and "gaps: none" in out, out

            # an altered record and a forged one claim positions of the chain
            proj = "comp-vsd"
            k_alt = next(k for k in sorted(records) if b'"mvgate/interval/' in records[k][:40]
                         and k[1] > 3)
            publish(port, "mvgate/v1/%s/interval/%s" % (GW, proj), altered(records[k_alt]))
            k_forged = (proj, k_alt[1] + 1)
            fake, fake_fp = forged(records[k_forged])
            assert b"mvgate/interval/" in fake[:40]
            publish(port, "mvgate/v1/%s/interval/%s" % (GW, proj), fake)

            def verdicts():
                with sqlite3.connect(db_path) as c:
                    return dict(((ch, key), v) for ch, key, v in c.execute(
                        "SELECT chain, key_fp, verdict FROM hub_records WHERE verdict <> 'ok'"))
            T.wait_until(lambda: len(verdicts()) == 2, 20, "two bad verdicts")
            bad = verdicts()
            assert bad[(k_forged[1], fake_fp)] == "unknown key", bad
            assert [v for (ch, _), v in bad.items() if ch == k_alt[1]] == ["altered"], bad
            rc, out = hub_status(conf)
            assert rc == 1, out
            assert "chain %d: altered" % k_alt[1] in out and \
                "chain %d: unknown key" % k_forged[1] in out, out
            assert "verified chain 1..%d" % n in out, out
            assert hub[0].stop() == 0, hub[0].err_lines[-10:]
        finally:
            hub[0].stop()
            broker.stop()


def test_postgres_two_hubs_shared():
    pg = T.Postgres()
    try:
        with T.TempDir() as d:
            port = T.free_port()
            broker = Mosquitto(d, port)
            T.write(os.path.join(d, "register.txt"), "")
            db = 'backend = "postgresql"; conninfo = "%s";' % pg.conninfo()
            confs = [hub_conf(d, n, port, db, 'shared_group = "hubs";') for n in ("hub-1", "hub-2")]
            hubs = [start_hub(c) for c in confs]
            state = {"killed": False}
            try:
                def on_hour(h):
                    for x in hubs:
                        x.pump(0)
                    if not state["killed"] and h >= 0.6:
                        hubs[1] = T.kill_and_restart(hubs[1], [T.binary("mvgate-hub"), "-c",
                                                               confs[1]])
                        state["killed"] = True
                cfg = run_gateway(d, port, 1.2, on_hour, hubs)
                records = chain_records(cfg)

                def count_ok():
                    return int(pg.psql("SELECT COUNT(*) FROM hub_records WHERE verdict = 'ok'")[0][0])
                wait_verified(count_ok, len(records), "%d records verified" % len(records))
                rows = pg.psql("SELECT project, chain, verdict, encode(payload, 'hex')"
                               " FROM hub_records")
                assert len(rows) == len(records), (len(rows), len(records))
                for p, ch, v, hexb in rows:
                    assert v == "ok" and bytes.fromhex(hexb) == records[(p, int(ch))], (p, ch, v)
                by_hub = dict(pg.psql("SELECT hub, COUNT(*) FROM hub_messages GROUP BY hub"))
                assert set(by_hub) == {"hub-1", "hub-2"}, by_hub
                # every record came as a message; repeats are raw rows of the same record
                linked = pg.psql("SELECT COUNT(DISTINCT record_id) FROM hub_messages"
                                 " WHERE record_id IS NOT NULL")[0][0]
                assert int(linked) == len(records), linked
                deciders = {r[0] for r in pg.psql("SELECT DISTINCT verified_by FROM hub_records")}
                assert deciders <= {"hub-1", "hub-2"}, deciders
                rc, out = hub_status(confs[0])
                n = max(ch for _, ch in records)
                assert rc == 0 and "verified chain 1..%d" % n in out and "gaps: none" in out, out
                for x in hubs:
                    assert x.stop() == 0, x.err_lines[-10:]
            finally:
                for x in hubs:
                    x.stop()
                broker.stop()
    finally:
        pg.stop()


def test_large_queued_session():
    with T.TempDir() as d:
        port = T.free_port()
        # no limit of the broker's own on what it sends unacknowledged
        # (max_inflight_messages 0): the client's Receive Maximum is the
        # limit, as MQTT 5 has it
        broker = Mosquitto(d, port, extra="max_queued_messages 0\nmax_queued_bytes 0\n"
                                          "max_inflight_messages 0\n")
        db_path = os.path.join(d, "hub.db")
        T.write(os.path.join(d, "register.txt"), "")
        conf = hub_conf(d, "hub-q", port, 'backend = "sqlite"; path = "%s";' % db_path)
        hub = start_hub(conf)
        try:
            assert hub.stop() == 0  # a clean stop: the broker keeps the session and queues
            n = 8000
            lines = b"".join(b'{"gateway":"gw-q","seq":%05d,"pad":"%s"}\n' % (i, b"x" * 2400)
                             for i in range(n))
            r = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-q", "1",
                                "-t", "mvgate/v1/gw-q/telemetry", "-l"], input=lines,
                               capture_output=True, timeout=120)
            assert r.returncode == 0, r.stderr
            t0 = time.monotonic()
            hub = start_hub(conf)

            def stored():
                hub.pump(0)
                with sqlite3.connect(db_path) as c:
                    return c.execute("SELECT COUNT(*) FROM hub_messages WHERE kind ="
                                     " 'telemetry'").fetchone()[0]
            T.wait_until(lambda: stored() >= n, 120, "%d queued messages stored" % n,
                         interval=0.5)
            assert stored() == n and not any("did not acknowledge" in l for l in hub.err_lines)
            print("queued session: %d messages of %d bytes stored in %.1f s"
                  % (n, len(lines) // n, time.monotonic() - t0))
            assert hub.stop() == 0, hub.err_lines[-10:]
        finally:
            hub.stop()
            broker.stop()


def test_enrol_command():
    with T.TempDir() as d:
        reg = T.write(os.path.join(d, "register.txt"), "# commissioning records\n")
        conf = hub_conf(d, "hub-e", 1883, 'backend = "sqlite"; path = "%s/h.db";' % d)
        r = mvgate("hub", "enrol", "gw-1", "ADDF 32f4 83d2 c88d d99a cdf0 b64a 7993", "-c", conf)
        assert r.returncode == 0, r.stderr
        assert "enrolled: gateway gw-1, first key addf 32f4" in r.stdout, r.stdout
        r = mvgate("hub", "enrol", "gw-1", "cda95a6dc83260d2064b01e3a7bfb268", "-c", conf)
        assert r.returncode == 2 and "gateway gw-1 is enrolled already on line 2" in r.stderr, \
            r.stderr
        r = mvgate("hub", "enrol", "gw-2", "cda95a6d", "-c", conf)
        assert r.returncode == 2 and "fewer than 32 hex digits" in r.stderr, r.stderr
        with open(reg) as f:
            assert f.read() == ("# commissioning records\n"
                                "gw-1 addf 32f4 83d2 c88d d99a cdf0 b64a 7993\n")
        # hub.conf errors name their line
        bad = T.write(os.path.join(d, "bad.conf"), 'id = "x";\nenrolled = "%s";\n'
                      'mqtt = { uri = "tcp://127.0.0.1:1"; session_expiry_s = 5; };\n'
                      'db = { backend = "postgresql"; };\n' % reg)
        r = mvgate("hub", "status", "-c", bad)
        assert r.returncode == 2, r.stderr
        assert "bad.conf:3:" in r.stderr and "session_expiry_s" in r.stderr, r.stderr
        assert "bad.conf:4:" in r.stderr and "needs 'conninfo'" in r.stderr, r.stderr


if __name__ == "__main__":
    T.main([test_enrol_command, test_sqlite_sigkill_forgery, test_postgres_two_hubs_shared,
            test_large_queued_session])
