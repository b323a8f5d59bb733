"""`mvgate replay` recomputes the stored interval records and the frozen
model from the stored raw samples: on a run of the simulated compressor
plant (x600, baseline, fit, retrofit) with SIGKILL restarts, every record
and the model replay exactly; after a number inside one stored record, or
a coefficient of the stored model, is altered, replay names that record
and field and exits 1."""

import json
import os
import random
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, ORIGIN_S, PROJECT, SCALE, export, plant_s  # noqa: E402


def replay(cfg, *extra):
    return T.run([T.binary("mvgate"), "replay", "-c", cfg, "--project", "comp-vsd",
                  "--time-scale", str(SCALE)] + list(extra))


def test_replay_matches_after_sigkills_and_finds_tampering():
    rnd = random.Random(11)
    with T.TempDir() as d:
        anchor = time.time()
        sim = T.plant_sim("compressor", 5)
        try:
            cfg = T.fast_gateway_config("compressor", sim.port, d, PROJECT)
            args = T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor)
            kills = 0
            switched = False
            gw = T.Proc(args, name="mvgated")
            next_kill = time.time() + rnd.uniform(0.5, 1.5)
            while plant_s(anchor) < ORIGIN_S + 3.25 * 3600:
                gw.pump(0.02)
                if not switched and plant_s(anchor) >= ORIGIN_S + 2 * 3600:
                    assert sim.control("phase retrofit").startswith("ok")
                    switched = True
                if time.time() >= next_kill:
                    gw = T.kill_and_restart(gw, args)
                    kills += 1
                    next_kill = time.time() + rnd.uniform(0.5, 1.5)
            time.sleep(2)
            assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
            assert kills >= 5, kills
        finally:
            sim.stop()

        recs = export(cfg)
        n = len(recs)
        assert n > 20, n
        assert any(r["record"]["fitted_now"] for r in recs)
        r = replay(cfg)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "replay: comp-vsd: %d records match (seq 1..%d); 1 of 1 models match" % (n, n) \
            in r.stdout, r.stdout

        # a window reports only its records, computed from the start
        w = [x for x in recs if "T02:30" <= x["record"]["start"][10:16] < "T03:00"]
        r = replay(cfg, "--from", ORIGIN[:11] + "02:30:00Z", "--to", ORIGIN[:11] + "03:00:00Z")
        assert r.returncode == 0, r.stdout + r.stderr
        assert "%d records match (seq %d..%d)" % (len(w), w[0]["seq"], w[-1]["seq"]) in r.stdout, r.stdout

        # alter the cumulative savings of one reporting record in the store
        target = next(x for x in recs[-5:] if x["record"]["streams"][0]["cumulative"]["savings"] != 0)
        seq = target["seq"]
        old = target["record"]["streams"][0]["cumulative"]["savings"]
        db = sqlite3.connect(os.path.join(d, "data", "mvgate.db") if os.path.exists(
            os.path.join(d, "data", "mvgate.db")) else find_db(d))
        cols = [c[1] for c in db.execute("PRAGMA table_info(intervals)")]
        assert "payload" in cols, cols
        (payload,) = db.execute("SELECT payload FROM intervals WHERE project=? AND seq=?",
                                ("comp-vsd", seq)).fetchone()
        text = payload.decode() if isinstance(payload, bytes) else payload
        rec = json.loads(text)
        rec["streams"][0]["cumulative"]["savings"] = old + 0.5
        db.execute("UPDATE intervals SET payload=? WHERE project=? AND seq=?",
                   (json.dumps(rec), "comp-vsd", seq))
        db.commit()
        db.close()
        r = replay(cfg)
        assert r.returncode == 1, r.stdout + r.stderr
        lines = [l for l in r.stdout.splitlines() if l.startswith("seq %d " % seq)]
        assert len(lines) == 1 and "streams[0].cumulative.savings: stored " in lines[0], r.stdout
        words = lines[0].split()
        assert float(words[-3]) == old + 0.5 and float(words[-1]) == old, lines[0]
        assert "%d records match, 1 differ" % (n - 1) in r.stdout, r.stdout

        # alter a coefficient of the stored model: replay names the model and the field
        db = sqlite3.connect(find_db(d))
        (mp,) = db.execute("SELECT payload FROM models WHERE project='comp-vsd' AND version=1").fetchone()
        mp = mp.decode() if isinstance(mp, bytes) else mp
        mrec = json.loads(mp)
        c1 = mrec["streams"][0]["model"]["coefficients"][1]
        mrec["streams"][0]["model"]["coefficients"][1] = c1 * 1.01
        db.execute("UPDATE models SET payload=? WHERE project='comp-vsd' AND version=1",
                   (json.dumps(mrec),))
        db.commit()
        db.close()
        r = replay(cfg)
        assert r.returncode == 1, r.stdout + r.stderr
        assert "model version 1: streams[0].model.coefficients[1]: stored " in r.stdout, r.stdout
        assert "0 of 1 models match" in r.stdout, r.stdout

        # usage and config errors exit 2
        assert replay(cfg, "--time-scale", "0").returncode == 2
        assert T.run([T.binary("mvgate"), "replay", "-c", cfg, "--project", "nope"]).returncode == 2


def find_db(d):
    for root, _, files in os.walk(d):
        if "mvgate.db" in files:
            return os.path.join(root, "mvgate.db")
    raise AssertionError("no mvgate.db under " + d)


if __name__ == "__main__":
    T.main([test_replay_matches_after_sigkills_and_finds_tampering])
