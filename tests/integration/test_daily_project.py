"""A daily project in the daemon (issue 14 item 3; docs/method.md "Daily
projects").

mvgated polls `mvgate-sim --plant chiller` accelerated x14400 (a day in
6 s). The project is hourly with granularity = "daily" on Hong Kong days
(+08:00): the plant clock starts at 08:00 local, so the first local day is
partial and before the baseline; six whole baseline days, then the
simulator switches to the retrofit chiller and three reporting days run.
Checked: the baseline fits on day rows (model record: granularity daily,
n = 6 days); every day record is valid against the interval schema; each
complete day is what its interval records add up to (use summed, outdoor
temperature averaged) and its adjusted baseline is the model's at the
day's temperature; the savings count days; the chain of signed records
verifies with `mvgate verify`, `mvgate replay` recomputes every record
from the stored samples, and the definition record says where the days
begin.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, ORIGIN_S, export, mvgate, plant_s, schema  # noqa: E402

import jsonschema  # noqa: E402

SCALE = 14400
DAY = 86400
BASE_START_S = ORIGIN_S + 16 * 3600  # 2026-01-06T00:00+08:00
BASE_DAYS, REPORT_DAYS = 6, 3

PROJECT = """
projects = (
  { name = "chiller-daily"; technology = "chiller"; interval_min = 60;
    granularity = "daily"; utc_offset = "+08:00";
    baseline = { start = "2026-01-06T00:00:00+08:00"; end = "2026-01-12T00:00:00+08:00"; };
    reporting = { start = "2026-01-12T00:00:00+08:00"; };
    streams = (
      { name = "electricity"; type = "electricity"; unit = "kWh"; actual = "chiller_power.energy_kwh";
        model = { type = "linear"; x = [ "weather.t_outdoor" ]; };
        co2_kg_per_unit = 0.39; cost_per_unit = 1.2; }
    ); }
);
"""


def ms(iso):
    return int(time.mktime(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone) * 1000


def public_key(cfg):
    shown = mvgate("key", "show", "-c", cfg)
    assert shown.returncode == 0, shown.stderr
    line = next(l for l in shown.stdout.splitlines() if l.startswith("public key"))
    return line.split(":", 1)[1].strip()


def test_daily_project_fits_and_verifies():
    with T.TempDir() as d:
        anchor = time.time()
        sim = T.plant_sim("chiller", 3, scale=SCALE)
        try:
            cfg = T.fast_gateway_config("chiller", sim.port, d, PROJECT, poll_ms=200)
            gw = T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name="mvgated")
            switched = False
            # intervals close a worst poll time (real) after their end: hours of plant time
            end_s = BASE_START_S + (BASE_DAYS + REPORT_DAYS) * DAY + 12 * 3600
            while plant_s(anchor, SCALE) < end_s:
                gw.pump(0.02)
                if not switched and plant_s(anchor, SCALE) >= BASE_START_S + BASE_DAYS * DAY:
                    assert sim.control("phase retrofit").startswith("ok")
                    switched = True
            assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        finally:
            sim.stop()
        recs = [x["record"] for x in export(cfg)]
        models = [x["record"] for x in export(cfg, "models")]
        key = public_key(cfg)
        r = mvgate("export", "-c", cfg, "--format", "jsonl", "--what", "chain")
        assert r.returncode == 0, r.stderr
        chain = T.write(os.path.join(d, "chain.jsonl"), r.stdout)
        v = mvgate("verify", "--pubkey", key, "--export", chain)
        assert v.returncode == 0, v.stdout + v.stderr
        assert "OK: " in v.stdout, v.stdout
        # the stored samples recompute every record, days included
        rp = T.run([T.binary("mvgate"), "replay", "-c", cfg, "--project", "chiller-daily",
                    "--time-scale", str(SCALE)])
        assert rp.returncode == 0, rp.stdout + rp.stderr
        # the report counts days as the records do: its figures are the last
        # record's cumulative block, its points the days the records close
        rj = os.path.join(d, "report.json")
        r = T.run([T.binary("mvgate"), "report", "-c", cfg, "--project", "chiller-daily",
                   "--format", "json", "--out", rj])
        assert r.returncode == 0, r.stdout + r.stderr
        with open(rj) as f:
            report = json.load(f)
        with open(os.path.join(T.SRC, "docs", "schemas", "report.schema.json")) as f:
            jsonschema.validate(report, json.load(f))
        rh = T.run([T.binary("mvgate"), "report", "-c", cfg, "--project", "chiller-daily",
                    "--format", "html", "--out", os.path.join(d, "report.html")])
        assert rh.returncode == 0, rh.stdout + rh.stderr
        defs = [x["record"] for x in export(cfg, "chain") if x["kind"] == "definition"]
        assert defs and defs[0]["days"] == {
            "granularity": "daily", "utc_offset_min": 480,
            "complete": "every interval valid and in one phase"}, defs[:1]

    validator = jsonschema.Draft7Validator(schema("interval"))
    for rec in recs:
        errors = list(validator.iter_errors(rec))
        assert not errors, errors[0].message
        assert rec["schema"] == "mvgate/interval/5" and rec["granularity"] == "daily", rec["schema"]

    assert len(models) == 1, models
    m = next(s for s in models[0]["streams"] if s["name"] == "electricity")["model"]
    assert m["granularity"] == "daily" and m["model"] == "linear", m
    assert m["n"] == BASE_DAYS, m
    b0, b1 = m["coefficients"]

    days = [(rec, rec["streams"][0]) for rec in recs if rec["streams"][0]["day"] is not None]
    by_start = {}
    for rec in recs:
        by_start[ms(rec["start"])] = rec["streams"][0]
    complete = {"baseline": 0, "reporting": 0}
    cum = 0.0
    for rec, s in days:
        day = s["day"]
        d0, d1 = ms(day["start"]), ms(day["end"])
        assert d1 - d0 == DAY * 1000 and (d0 // 1000 - BASE_START_S) % DAY == 0, day
        assert day["intervals"] == 24
        if not day["complete"]:
            assert day["adjusted_baseline"] is None, day
            continue
        complete[rec["phase"]] += 1
        hours = [by_start[t] for t in range(d0, d1, 3600 * 1000)]
        assert all(h["valid"] for h in hours)
        assert abs(day["actual"] - sum(h["actual"] for h in hours)) <= 1e-9 * abs(day["actual"]), day
        t_mean = sum(h["x"][0] for h in hours) / 24
        assert abs(day["x"][0] - t_mean) <= 1e-9 * abs(t_mean), day
        if rec["phase"] == "reporting":
            assert abs(day["adjusted_baseline"] - (b0 + b1 * day["x"][0])) <= 1e-9 * day["adjusted_baseline"]
            assert abs(day["avoided"] - (day["adjusted_baseline"] - day["actual"])) < 1e-6
            cum += day["avoided"]
            assert s["adjusted_baseline"] is None and s["savings"] is None
    assert complete == {"baseline": BASE_DAYS, "reporting": REPORT_DAYS}, (complete, [
        (r["phase"], s["day"]["start"], s["day"]["complete"], s["day"]["fed"], s["day"]["valid"])
        for r, s in days])
    last = recs[-1]["streams"][0]["cumulative"]
    print("\n  %d baseline days, model %.1f + %.2f T (CV(RMSE) %.3f); %d reporting days, "
          "savings %.1f kWh (%.1f %%)" % (BASE_DAYS, b0, b1, m["cv_rmse"], last["m"],
                                        last["avoided"], 100 * last["savings_fraction"]),
          file=sys.stderr)
    assert last["m"] == REPORT_DAYS and abs(last["avoided"] - cum) < 1e-6 * abs(cum), last
    assert last["avoided"] > 0, last  # the retrofit chiller uses less
    assert last["annual_basis"] == "baseline year", last

    fig = report["figures"]
    for k, c in {"m": "m", "hours": "covered_hours", "adjusted_baseline": "adjusted_baseline",
                 "actual": "actual", "avoided": "avoided", "savings": "savings",
                 "fsu": "fsu", "low": "savings_low", "high": "savings_high"}.items():
        key = "savings.electricity.%s" % k
        assert fig[key]["value"] == last[c], (key, fig[key], last[c])
    assert fig["savings.electricity.hours"]["value"] == 24 * REPORT_DAYS
    assert fig["annual.electricity.savings"]["value"] == last["annual_savings"]
    assert fig["coverage.electricity.intervals_used"]["value"] == REPORT_DAYS
    # the report's points are the days: one per day a record closes, each
    # with the day's figures
    closed = {ms(s["day"]["start"]): s["day"] for _, s in days}
    pts = report["series"]["electricity"]
    assert len(pts) == len(closed), (len(pts), len(closed))
    for p in pts:
        day = closed[ms(p["start"])]
        assert ms(p["end"]) - ms(p["start"]) == DAY * 1000, p
        assert p["actual"] == day["actual"], (p, day)
        assert p["adjusted_baseline"] == day["adjusted_baseline"], (p, day)
    assert report["project"]["granularity"] == "daily", report["project"]


if __name__ == "__main__":
    T.main([test_daily_project_fits_and_verifies])
