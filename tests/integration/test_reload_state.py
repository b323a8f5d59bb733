"""A reload keeps the engine state of what did not change (docs/daemon.md
"Reload"). Two projects on the simulated compressor plant (x600): comp-a
and comp-b, both linear in the air volume. During the baseline comp-b's
model form is edited to `mean` and mvgated gets SIGHUP: comp-a goes on
counting its baseline rows with the next seq and the interval the reload
fell in, while comp-b is rebuilt from the stored samples, with as many
baseline rows as its stored intervals give. In the reporting period a
changed cost factor (which the engine's amounts do not depend on) keeps
both projects' reporting points counting."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, ORIGIN_S, SCALE, export, plant_s  # noqa: E402

ACTUAL = "comp_power.energy_kwh"
LINEAR = 'model = { type = "linear"; x = [ "air_flow.volume_m3" ]; };'
MEAN = 'model = { type = "mean"; };'


def projects(b_model, a_cost=1.35):
    day = ORIGIN[:11]
    one = """
  { name = "%s"; technology = "air_compressor"; interval_min = 5;
    baseline = { start = "%s"; end = "%s01:30:00Z"; };
    installation = { start = "%s01:30:00Z"; end = "%s01:40:00Z"; };
    reporting = { start = "%s01:40:00Z"; };
    streams = ( { name = "electricity"; type = "electricity"; unit = "kWh";
                  actual = "%s"; %s cost_per_unit = %s; } ); }"""
    return "\nprojects = (%s,%s\n);\n" % (
        one % ("comp-a", ORIGIN, day, day, day, day, ACTUAL, LINEAR, a_cost),
        one % ("comp-b", ORIGIN, day, day, day, day, ACTUAL, b_model, 1.35))


def by_project(recs, name):
    return [r["record"] for r in recs if r["record"]["project"] == name]


def coverage(rec, channel):
    return next(c for c in rec["channels"] if c["name"] == channel)["coverage"]


def reload(gw, cfg_path, text, sim_port, d, wait_for):
    mark = len(gw.err_lines)
    T.fast_gateway_config("compressor", sim_port, d, text)
    gw.signal(__import__("signal").SIGHUP)
    gw.wait_line(r"reloaded: ", stream="err", start=mark, timeout=20)
    for rx in wait_for:
        gw.wait_line(rx, stream="err", start=mark, timeout=5)
    return mark


def newest_end(cfg, name):
    recs = by_project(export(cfg), name)
    return recs[-1]["end"] if recs else None


def run_until(gw, anchor, plant_time_s):
    while plant_s(anchor) < plant_time_s:
        gw.pump(0.05)


def test_reload_keeps_unchanged_and_rebuilds_changed():
    with T.TempDir() as d:
        anchor = time.time()
        sim = T.plant_sim("compressor", 4)
        try:
            cfg = T.fast_gateway_config("compressor", sim.port, d, projects(LINEAR))
            gw = T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name="mvgated")
            try:
                # into the baseline, then change comp-b's model form
                run_until(gw, anchor, ORIGIN_S + 50 * 60)
                before = export(cfg)
                reload(gw, cfg, projects(MEAN), sim.port, d,
                       [r"reload: comp-a\.electricity: engine state kept \(\d+ baseline rows.*"
                        r"the open interval continues",
                        r"reload: comp-b\.electricity: rebuilt from \d+ stored intervals"])
                # into the reporting period, then change comp-a's cost factor
                run_until(gw, anchor, ORIGIN_S + 2.25 * 3600)
                mid = export(cfg)
                reload(gw, cfg, projects(MEAN, a_cost=2.0), sim.port, d,
                       [r"reload: comp-a\.electricity: engine state kept",
                        r"reload: comp-b\.electricity: engine state kept"])
                run_until(gw, anchor, ORIGIN_S + 2.75 * 3600)
                time.sleep(1.5)
            finally:
                assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        finally:
            sim.stop()
        logs = "\n".join(gw.err_lines)
        assert "start afresh" not in logs and "reset because" not in logs, logs[-3000:]
        recs = export(cfg)

        for name in ("comp-a", "comp-b"):
            rs = by_project(recs, name)
            # one chain per project: seq 1..N, intervals back to back, across both reloads
            assert [r["seq"] for r in rs] == list(range(1, len(rs) + 1)), name
            for a, b in zip(rs, rs[1:]):
                assert b["start"] == a["end"], "%s: gap or repeat at seq %d" % (name, b["seq"])

        def split(snapshot, name):
            n = len(by_project(snapshot, name))
            rs = by_project(recs, name)
            return rs[:n], rs[n:]

        # reload 1 (baseline): comp-a counts on from where it was, the
        # interval the reload fell in included
        a_pre, a_post = split(before, "comp-a")
        assert a_pre and a_post, (len(a_pre), len(a_post))
        last, first = a_pre[-1]["streams"][0], a_post[0]["streams"][0]
        assert a_post[0]["phase"] == "baseline", a_post[0]["phase"]
        assert first["valid"], a_post[0]
        assert first["baseline_rows"] == last["baseline_rows"] + 1, (last["baseline_rows"],
                                                                     first["baseline_rows"])
        assert first["baseline_rows"] > 5, first["baseline_rows"]

        # comp-b is rebuilt from the stored samples: a mean model's rows are
        # the baseline intervals whose actual is covered >= 90 %, which is
        # what a fresh start on the store counts
        b_pre, b_post = split(before, "comp-b")
        assert b_post, "no comp-b record after the reload"
        upto = b_pre + b_post[:1]
        fresh = sum(1 for r in upto if r["phase"] == "baseline" and coverage(r, ACTUAL) >= 0.9)
        assert b_post[0]["streams"][0]["baseline_rows"] == fresh, (
            b_post[0]["streams"][0]["baseline_rows"], fresh)
        assert fresh > 5
        # ... and fits its new form at the end of the baseline
        fitted = [r for r in by_project(recs, "comp-b") if r["fitted_now"]]
        assert len(fitted) == 1 and fitted[0]["streams"][0]["model_ready"], fitted
        models = [m for m in export(cfg, "models") if m["record"]["project"] == "comp-b"]
        assert models and models[-1]["record"]["streams"][0]["model"]["model"] == "mean", models

        # reload 2 (reporting, a cost factor): both keep counting reporting points
        for name in ("comp-a", "comp-b"):
            pre, post = split(mid, name)
            assert pre and post, (name, len(pre), len(post))
            assert pre[-1]["phase"] == "reporting" and post[0]["phase"] == "reporting", (
                name, pre[-1]["start"], pre[-1]["phase"], post[0]["start"], post[0]["phase"])
            m0 = pre[-1]["streams"][0]["cumulative"]["m"]
            m1 = post[0]["streams"][0]["cumulative"]["m"]
            assert m0 > 0, (name, m0)
            assert m1 == m0 + 1, (name, m0, m1)
            assert post[0]["streams"][0]["model_ready"], (name, post[0]["streams"][0])


if __name__ == "__main__":
    T.main([test_reload_keeps_unchanged_and_rebuilds_changed])
