"""The whole pipeline on a simulated air-compressor plant, accelerated x600:
mvgated polls mvgate-sim, aggregates 5-minute intervals, fits the baseline
model at the end of a two-hour baseline, and reports savings after the
simulator switched to the VSD retrofit. mvgated is killed with SIGKILL at
random moments (every 0.3 to 1 s, at least 20 times) and restarted; at the end, `mvgate export` must show every
interval exactly once, in order, with seq 1..N without a gap, each record
valid against docs/schemas/interval.schema.json."""

import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, ORIGIN_S, PROJECT, SCALE, export, plant_s, schema  # noqa: E402

import jsonschema  # noqa: E402

INTERVAL_MS = 5 * 60 * 1000

def test_pipeline_survives_sigkill():
    rnd = random.Random(7)
    with T.TempDir() as d:
        anchor = time.time()
        sim = T.plant_sim("compressor", 3)
        try:
            cfg = T.fast_gateway_config("compressor", sim.port, d, PROJECT)
            args = T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor)
            kills = 0
            switched = dropped = healed = False
            end_plant = ORIGIN_S + 4 * 3600  # run to 04:00 plant time
            gw = T.Proc(args, name="mvgated")
            next_kill = time.time() + rnd.uniform(0.3, 1.0)
            while plant_s(anchor) < end_plant:
                gw.pump(0.02)
                if not switched and plant_s(anchor) >= ORIGIN_S + 2 * 3600:
                    assert sim.control("phase retrofit").startswith("ok"), "sim refused the retrofit"
                    switched = True
                # the air-flow meter (unit 2) goes silent from 03:00 to 03:15
                if not dropped and plant_s(anchor) >= ORIGIN_S + 3 * 3600:
                    assert sim.control("fault drop 2").startswith("ok")
                    dropped = True
                if dropped and not healed and plant_s(anchor) >= ORIGIN_S + 3.25 * 3600:
                    assert sim.control("clear").startswith("ok")
                    healed = True
                # SIGKILL at random moments: while polling, storing, writing
                # an interval record or fitting the model, whatever it is doing
                if time.time() >= next_kill:
                    gw = T.kill_and_restart(gw, args)
                    kills += 1
                    next_kill = time.time() + rnd.uniform(0.3, 1.0)
            # let the last intervals close, then stop cleanly
            time.sleep(3)
            assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
            print("\n".join(l for l in gw.err_lines if "reporting" in l)[-600:])
            assert kills >= 20, "only %d kills" % kills
        finally:
            sim.stop()

        recs = export(cfg)
        assert len(recs) > 30, len(recs)
        validator = jsonschema.Draft7Validator(schema("interval"))
        prev_end = None
        for i, r in enumerate(recs):
            assert r["seq"] == i + 1, "seq %d at position %d" % (r["seq"], i + 1)
            body = r["record"]
            errors = list(validator.iter_errors(body))
            assert not errors, "record %d: %s" % (r["seq"], errors[0].message)
            assert body["seq"] == r["seq"] and body["project"] == "comp-vsd"
            if prev_end is not None:
                assert body["start"] == prev_end, "interval gap or repeat at seq %d: %s after %s" % (
                    r["seq"], body["start"], prev_end)
            prev_end = body["end"]
        phases = [r["record"]["phase"] for r in recs]
        assert "baseline" in phases and "reporting" in phases, set(phases)
        assert sum(1 for r in recs if r["record"]["fitted_now"]) == 1
        fitted = next(r["record"] for r in recs if r["record"]["fitted_now"])
        assert fitted["streams"][0]["model_ready"], fitted["streams"][0]
        last = recs[-1]["record"]["streams"][0]
        cum = last["cumulative"]
        assert cum["m"] > 5, cum
        # the VSD retrofit saves energy: the savings are positive and the
        # uncertainty interval brackets them
        assert cum["savings"] > 0 and cum["savings_low"] <= cum["savings"] <= cum["savings_high"], cum
        assert cum["converted"]["tj"] > 0 and cum["converted"]["co2_t"] > 0
        assert abs(cum["converted"]["cost_hkd"] - 1.35 * cum["savings"]) < 1e-6 * max(1, cum["savings"])
        # the meter outage shows as coverage, not as invented data: the
        # intervals inside it have no air-flow coverage and are not counted
        def channel(rec, name):
            return next(c for c in rec["channels"] if c["name"] == name)
        flow = "air_flow.volume_m3"
        inside = [r["record"] for r in recs
                  if "T03:05" <= r["record"]["start"][10:16] < "T03:10"]
        assert inside, "no interval inside the outage"
        for rec in inside:
            assert channel(rec, flow)["coverage"] == 0, channel(rec, flow)
            assert rec["partial"] and not rec["streams"][0]["valid"], rec["streams"][0]
        after = [r["record"] for r in recs if "T03:30" <= r["record"]["start"][10:16] < "T04:00"]
        assert any(channel(rec, flow)["coverage"] > 0.8 for rec in after), "flow meter never came back"

        # the CSV export carries the same records byte for byte
        import csv
        import io
        r = T.run([T.binary("mvgate"), "export", "-c", cfg, "--format", "csv"])
        assert r.returncode == 0, r.stderr
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        assert [int(x["seq"]) for x in rows] == [x["seq"] for x in recs]
        assert all(json.loads(x["record"]) == y["record"] for x, y in zip(rows, recs))
        # a time window: intervals starting in [03:00, 03:30)
        r = T.run([T.binary("mvgate"), "export", "-c", cfg, "--format", "jsonl",
                   "--from", "2026-01-05T03:00:00Z", "--to", "2026-01-05T03:30:00Z"])
        window = [json.loads(l)["record"]["start"] for l in r.stdout.splitlines()]
        assert window == ["2026-01-05T03:%02d:00.000Z" % m for m in range(0, 30, 5)], window
        r = T.run([T.binary("mvgate"), "export", "-c", cfg, "--format", "xml"])
        assert r.returncode == 2 and "csv or jsonl" in r.stderr

        # the frozen model: stored once, valid against its schema, the same
        # statistics as the record that froze it announced
        models = export(cfg, "models")
        assert len(models) == 1 and models[0]["version"] == 1, models
        mdoc = models[0]["record"]
        errors = list(jsonschema.Draft7Validator(schema("model")).iter_errors(mdoc))
        assert not errors, errors[0].message
        m = mdoc["streams"][0]["model"]
        assert m["model"] == "linear" and m["x"] == ["air_flow.volume_m3"], m
        assert m["ashrae14"]["pass"] and m["cv_rmse"] < 0.1 and m["n"] >= 20, m

        # the samples behind them were stored too: those of the points the
        # engine uses (store.samples defaults to "engine"), a poll every 100 ms
        samples = export(cfg, "samples")
        assert {(s["device"], s["point"]) for s in samples} == {
            ("comp_power", "energy_kwh"), ("air_flow", "volume_m3")}, samples[:3]
        assert len(samples) > 300, len(samples)


if __name__ == "__main__":
    T.main([test_pipeline_survives_sigkill])
