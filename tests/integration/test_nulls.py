"""Undefined is null everywhere: on the accelerated compressor plant (x600,
an hour of baseline, ten minutes of installation, then the VSD retrofit,
with the air-flow meter silent for ten minutes of the reporting period),
the interval records in the store (`mvgate export`, JSONL and CSV) carry
null for every figure the interval's phase leaves undefined (adjusted
baseline, avoided use, savings and their conversions; the adjustment too
outside the reporting period) and numbers in the valid reporting
intervals; the InfluxDB lines leave those fields out; the report shows
them as undefined and sums only what is defined; the cumulative totals are
the sums of the defined intervals. A store record rewritten as an older
gateway wrote it (schema 1: 0 where now null) replays under its own rules,
one that mixes the two rules does not."""

import csv
import io
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, ORIGIN_S, SCALE, SHORT_PROJECT, Influxd, export, plant_s  # noqa: E402

FIGURES = ("adjusted_baseline", "avoided", "savings")


def kind(rec):
    """baseline, installation, invalid (reporting, not counted) or valid."""
    s = rec["streams"][0]
    if rec["phase"] != "reporting":
        return rec["phase"]
    return "valid" if s["valid"] else "invalid"


def replay(cfg):
    return T.run([T.binary("mvgate"), "replay", "-c", cfg, "--project", "comp-vsd",
                  "--time-scale", str(SCALE)])


def rewrite(db, seq, edit):
    """Applies edit to the stored interval record seq (as parsed JSON)."""
    (payload,) = db.execute("SELECT payload FROM intervals WHERE project='comp-vsd' AND seq=?",
                            (seq,)).fetchone()
    rec = json.loads(payload.decode() if isinstance(payload, bytes) else payload)
    edit(rec)
    db.execute("UPDATE intervals SET payload=? WHERE project='comp-vsd' AND seq=?",
               (json.dumps(rec), seq))
    db.commit()


def drop_days(rec):
    """Schema 5's granularity and per stream day (null in an interval project) out."""
    assert rec.pop("granularity") == "interval", rec
    for s in rec["streams"]:
        assert s.pop("day") is None, s


def as_schema_1(rec):
    """The record as a gateway before schema 2 wrote it (no one-off
    adjustment in this project, so the savings it wrote were 0)."""
    rec["schema"] = "mvgate/interval/1"
    drop_days(rec)
    drop_tonnes(rec)
    # schema 1 had no clock step members (they came with schema 2)
    rec.pop("clock_step", None)
    rec.pop("clock_step_ms", None)
    rec.pop("definition", None)  # and no definition member (it came with schema 3)
    s = rec["streams"][0]
    if rec["phase"] != "reporting":
        s["adjustment"] = 0.0
    if s["adjusted_baseline"] is None:
        if rec["phase"] != "reporting":
            s["adjusted_baseline"] = s["avoided"] = 0.0
        s["savings"] = s["adjustment"]
        s["converted"] = {k: 0.0 for k in s["converted"]}
    cum = s["cumulative"]
    # schema 1 had no net block, no removal and no normalised annual figure:
    # its annual figure was the measured savings x 8760 / hours covered,
    # converted as an electricity stream in kWh with the default grid
    # factor and no cost (SHORT_PROJECT), in convert.c's order of operations
    rec.pop("net", None)
    s.pop("removal", None)
    # nor the operating calendar (schema 4)
    s.pop("tariff", None)
    for k in ("annual_baseline", "annual_basis", "annual_error", "removal", "annual_calendar", "cost"):
        cum.pop(k, None)
    # nor the screening members (schema 4)
    s.pop("extrapolated", None)
    s.pop("x_outside", None)
    cum.pop("m_extrapolated", None)
    if cum["covered_hours"]:
        a = cum["savings"] * 8760.0 / cum["covered_hours"]
        cum["annual_savings"] = a
        cum["annual_converted"] = {"amount": a, "kwh": a, "tj": a * 3.6e-6, "co2_t": a * 0.5703 / 1000.0,
                                   "pollutant_kg": 0.0, "water_m3": 0.0, "cost_hkd": a * 0.0}
    if cum["annual_savings"] is None:  # what does not apply to electricity stayed 0
        cum["annual_converted"].update(pollutant_kg=0.0, water_m3=0.0)


def drop_tonnes(rec):
    """Schema 4's pollutant_t (pollutant_kg / 1000) out of the units and every converted block."""
    rec["units"].pop("pollutant_t")
    for s in rec["streams"]:
        cum = s["cumulative"]
        for block in (s["converted"], cum["converted"], cum["annual_converted"]):
            t, kg = block.pop("pollutant_t"), block["pollutant_kg"]
            assert t == (None if kg is None else kg / 1000.0), (kg, t)


def as_schema_3(rec):
    """The record as a gateway before schema 4 wrote it: no screening members,
    no tonnes, no operating calendar or tariff members."""
    rec["schema"] = "mvgate/interval/3"
    drop_days(rec)
    drop_tonnes(rec)
    assert rec["streams"][0]["extrapolated"] is not None, rec  # a fitted model has a baseline range
    for s in rec["streams"]:
        s.pop("extrapolated")
        s.pop("x_outside")
        s.pop("tariff")
        cum = s["cumulative"]
        for k in ("m_extrapolated", "annual_calendar", "cost"):
            cum.pop(k)


def test_undefined_figures_are_null():
    with T.TempDir() as d:
        influx = Influxd(d)
        try:
            influx.query("CREATE DATABASE mvgate")
            run_and_check(d, influx)
        finally:
            influx.stop()


def run_and_check(d, influx):
    anchor = time.time()
    sim = T.plant_sim("compressor", 13)
    gw = None
    try:
        cfg = T.fast_gateway_config("compressor", sim.port, d, SHORT_PROJECT + """
influx = { url = "http://127.0.0.1:%d"; db = "mvgate"; batch_lines = 500; };
""" % influx.http)
        gw = T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name="mvgated")
        events = [(1.0, "phase retrofit"), (1.35, "fault drop 2"), (1.5, "clear")]
        while plant_s(anchor) < ORIGIN_S + 1.85 * 3600:
            gw.pump(0.02)
            if events and plant_s(anchor) >= ORIGIN_S + events[0][0] * 3600:
                assert sim.control(events.pop(0)[1]).startswith("ok")
        recs = export(cfg)
        seqs = {r["seq"] for r in recs}

        def delivered():
            res = influx.query('SELECT "seq" FROM "mvgate_interval"')
            series = res["results"][0].get("series")
            return series and seqs <= {v[1] for v in series[0]["values"]}
        T.wait_until(delivered, 20, "every exported record in InfluxDB")
        assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        gw = None
    finally:
        if gw:
            gw.stop()
        sim.stop()

    # ---- the store, through mvgate export (JSONL)
    by_kind = {}
    for r in recs:
        by_kind.setdefault(kind(r["record"]), []).append(r["record"])
    assert set(by_kind) == {"baseline", "installation", "invalid", "valid"}, sorted(by_kind)
    for k, rs in by_kind.items():
        for rec in rs:
            s = rec["streams"][0]
            assert rec["schema"] == "mvgate/interval/5", rec["schema"]
            defined = k == "valid"
            for f in FIGURES:
                assert (s[f] is not None) == defined, (rec["seq"], k, f, s[f])
            assert all((v is not None) == defined for v in s["converted"].values()), (k, s["converted"])
            # the adjustment is the reporting period's (0 in this project)
            assert s["adjustment"] == (0.0 if k in ("valid", "invalid") else None), (k, s["adjustment"])
            if k in ("baseline", "installation"):
                cum = s["cumulative"]
                assert cum["m"] == 0 and cum["savings"] == 0
                assert cum["fsu"] is None and cum["savings_low"] is None and cum["savings_high"] is None
                assert cum["annual_savings"] is None
                assert all(v is None for v in cum["annual_converted"].values()), cum["annual_converted"]
    # a null interval adds nothing: the totals are the sums of the valid ones
    valid = by_kind["valid"]
    last = recs[-1]["record"]["streams"][0]["cumulative"]
    assert last["m"] == len(valid), (last["m"], len(valid))
    total = sum(r["streams"][0]["savings"] for r in valid)
    assert abs(last["savings"] - total) <= 1e-9 * max(1, abs(total)), (last["savings"], total)
    assert last["fsu"] is not None and last["savings_low"] <= last["savings"] <= last["savings_high"]

    # ---- CSV export: the same records, the nulls inside the record cell
    r = T.run([T.binary("mvgate"), "export", "-c", cfg, "--format", "csv"])
    assert r.returncode == 0, r.stderr
    rows = {int(x["seq"]): x["record"] for x in csv.DictReader(io.StringIO(r.stdout))}
    first = by_kind["baseline"][0]
    assert '"adjusted_baseline":null,"avoided":null,"adjustment":null,"savings":null' in rows[first["seq"]]
    assert json.loads(rows[by_kind["invalid"][0]["seq"]])["streams"][0]["savings"] is None

    # ---- InfluxDB: the undefined fields are absent from the line (null in a query)
    res = influx.query('SELECT "seq", "phase", "valid", "adjusted_baseline", "savings", "cum_savings" '
                       'FROM "mvgate_interval"')
    cols = res["results"][0]["series"][0]["columns"]
    lines = {}
    for v in res["results"][0]["series"][0]["values"]:
        row = dict(zip(cols, v))
        lines[row["seq"]] = row
    for k, rs in by_kind.items():
        for rec in rs:
            row = lines[rec["seq"]]
            assert row["phase"] == rec["phase"]
            for f in ("adjusted_baseline", "savings"):
                assert (row[f] is not None) == (k == "valid"), (rec["seq"], k, f, row[f])
                if k == "valid":
                    assert abs(row[f] - rec["streams"][0][f]) <= 1e-12 * max(1, abs(row[f]))
            assert row["cum_savings"] is not None

    # ---- the report: undefined per interval, totals over the defined ones.
    # The daemon went on writing until it stopped: the window ends with the
    # last record exported above, whose records the checks count.
    window = ["--to", recs[-1]["record"]["end"]]
    r = T.run([T.binary("mvgate"), "report", "-c", cfg, "--project", "comp-vsd", "--format", "json"]
              + window)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    series = {p["start"]: p for p in doc["series"]["electricity"]}
    for k, rs in by_kind.items():
        for rec in rs:
            p = series[rec["start"]]
            assert (p["savings"] is not None) == (k == "valid"), (k, p)
            assert (p["adjusted_baseline"] is not None) == (k == "valid"), (k, p)
    fig = {k: v["value"] for k, v in doc["figures"].items()}
    assert fig["savings.electricity.m"] == len(valid)
    assert abs(fig["savings.electricity.savings"] - total) <= 1e-9 * max(1, abs(total))
    r = T.run([T.binary("mvgate"), "report", "-c", cfg, "--project", "comp-vsd", "--format", "csv"]
              + window)
    assert r.returncode == 0, r.stderr
    cells = {row[1]: row[2] for row in csv.reader(io.StringIO(r.stdout))}
    bad = by_kind["invalid"][0]["start"]
    assert cells["electricity.%s.savings" % bad] == "", cells["electricity.%s.savings" % bad]
    good = valid[0]["start"]
    assert float(cells["electricity.%s.savings" % good]) == valid[0]["streams"][0]["savings"]

    # ---- replay: this store matches; records of schema 1 replay under schema 1's rules
    r = replay(cfg)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "%d records match" % len(recs) in r.stdout, r.stdout
    db = sqlite3.connect(next(os.path.join(root, "mvgate.db") for root, _, files in os.walk(d)
                              if "mvgate.db" in files))
    old_base, old_inst, old_bad = (by_kind[k][0]["seq"] for k in ("baseline", "installation", "invalid"))
    for seq in (old_base, old_inst, old_bad):
        rewrite(db, seq, as_schema_1)
    # and a counted reporting record as schema 3 wrote it: no screening members
    old_rep = valid[-1]["seq"]
    rewrite(db, old_rep, as_schema_3)
    r = replay(cfg)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "%d records match" % len(recs) in r.stdout, r.stdout
    # schema 1 with the nulls of schema 2: not what either wrote
    rewrite(db, old_base, lambda rec: rec["streams"][0].update(savings=None))
    # a schema this mvgate does not know
    rewrite(db, old_inst, lambda rec: rec.update(schema="mvgate/interval/9"))
    db.close()
    r = replay(cfg)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "seq %d " % old_base in r.stdout and "streams[0].savings: stored null replayed 0" in r.stdout, r.stdout
    assert "seq %d " % old_inst in r.stdout and "schema mvgate/interval/9" in r.stdout, r.stdout
    assert "%d records match, 2 differ" % (len(recs) - 2) in r.stdout, r.stdout


if __name__ == "__main__":
    T.main([test_undefined_figures_are_null])
