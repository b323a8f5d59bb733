"""The operating calendar and the tariff on the accelerated compressor
plant (x600; an hour of baseline from Monday 5 January 2026 08:00 in
Guangdong, ten minutes of installation, then the VSD retrofit). Two
projects on the same meters:

- cal-cn: the normal year of the shipped mainland calendar. Its rest days
  have no baseline interval (the baseline is one Monday morning), so the
  annual figures are null and each record names the class and its hours.
- cal-flat: a calendar of the test's own without holidays and a site that
  never rests, so the normal year is 365 working days: the annual baseline
  is the sum of the classes' year intervals times their baseline means,
  recomputed here from the record. Its electricity is priced by the
  shipped Guangdong tariff (09:10-10:00 flat, from 10:00 peak) with a
  demand charge on 15-minute demand: every interval's cost is its savings
  at its period's price, the cumulative cost the energy part plus the
  month's peak demand savings (recomputed here from the intervals) times
  the charge.

Every record is valid against docs/schemas/interval.schema.json and
`mvgate replay` rebuilds them all."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, ORIGIN_S, SCALE, export, plant_s  # noqa: E402

import jsonschema  # noqa: E402

CN = os.path.join(T.SRC, "config", "calendars", "cn.conf")
GD = os.path.join(T.SRC, "config", "tariffs", "guangdong.conf")
CHARGE = 30.0


def project(name, extra, stream_extra=""):
    day = ORIGIN[:11]
    return """
  { name = "%s"; interval_min = 5;
    baseline = { start = "%s"; end = "%s01:00:00Z"; };
    installation = { start = "%s01:00:00Z"; end = "%s01:10:00Z"; };
    reporting = { start = "%s01:10:00Z"; };
    %s
    streams = ( { name = "electricity"; type = "electricity"; unit = "kWh";
                  actual = "comp_power.energy_kwh";
                  model = { type = "linear"; x = [ "air_flow.volume_m3" ]; }; %s } ); }""" % (
        name, ORIGIN, day, day, day, day, extra, stream_extra)


def config(d):
    flat = T.write(os.path.join(d, "flat.conf"), """
calendar = { name = "flat"; utc_offset = "+08:00"; first_year = 2026; last_year = 2026;
             source = "test: a year without holidays"; };
holidays = ();
workdays = ();
""")
    return "projects = (" + ",".join([
        project("cal-cn", 'annual_basis = "calendar"; calendar = "%s";' % CN),
        project("cal-flat", 'annual_basis = "calendar"; calendar = "%s"; rest_days = [];' % flat,
                'tariff = "%s"; energy_price = 1.0; demand_charge = %r; demand_interval_min = 15;'
                % (GD, CHARGE)),
    ]) + "\n);\n"


def near(a, b, what):
    assert abs(a - b) <= 1e-9 * max(1.0, abs(b)), (what, a, b)


def test_calendar_and_tariff_in_the_records():
    with T.TempDir() as d:
        anchor = time.time()
        sim = T.plant_sim("compressor", 17)
        gw = None
        try:
            cfg = T.fast_gateway_config("compressor", sim.port, d, config(d))
            r = T.mvgate("check", "-c", cfg)
            assert r.returncode == 0, r.stdout + r.stderr
            gw = T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name="mvgated")
            retrofit = False
            while plant_s(anchor) < ORIGIN_S + 2.5 * 3600:
                gw.pump(0.02)
                if not retrofit and plant_s(anchor) >= ORIGIN_S + 3600:
                    assert sim.control("phase retrofit").startswith("ok")
                    retrofit = True
            gw.stop()  # so that the exports and the replay see the same records
            gw = None
            recs = [r["record"] for r in export(cfg)]
            chain = [r.get("record", r) for r in export(cfg, "chain")]
        finally:
            if gw:
                gw.stop()
            sim.stop()
        validator = jsonschema.Draft7Validator(T.schema("interval"))
        for rec in recs:
            errors = list(validator.iter_errors(rec))
            assert not errors, (rec["project"], rec["seq"], errors[0].message)
        by = {}
        for rec in recs:
            assert rec["schema"] == "mvgate/interval/5", rec["schema"]
            by.setdefault(rec["project"], []).append(rec)

        # cal-cn: the rest days of the mainland's 2026 have no baseline interval
        counted = [r for r in by["cal-cn"] if r["streams"][0]["cumulative"]["m"] > 0]
        assert counted, "no counted reporting interval in cal-cn"
        for rec in counted:
            cum = rec["streams"][0]["cumulative"]
            ac = cum["annual_calendar"]
            assert cum["annual_basis"] is None and cum["annual_savings"] is None, cum
            assert ac["calendar"] == CN and ac["year"] == 2026, ac
            names = [c["class"] for c in ac["classes"]]
            assert names == ["working day", "rest day"], names
            # 2026: 248 working days (the State Council's notice), 117 rest days
            assert [c["year_intervals"] for c in ac["classes"]] == [248 * 288, 117 * 288], ac
            assert ac["classes"][0]["baseline_intervals"] > 0 and ac["classes"][1]["baseline_intervals"] == 0
            assert "'rest day'" in ac["error"] and "%d h" % (117 * 24) in ac["error"], ac["error"]

        # cal-flat: 365 working days; the annual baseline from the record's classes
        flat = by["cal-flat"]
        last = flat[-1]["streams"][0]
        ac = last["cumulative"]["annual_calendar"]
        assert last["cumulative"]["annual_basis"] == "calendar", last["cumulative"]
        assert [c["year_intervals"] for c in ac["classes"]] == [365 * 288, 0], ac
        near(last["cumulative"]["annual_baseline"],
             sum(c["year_intervals"] * c["baseline_mean"] for c in ac["classes"] if c["year_intervals"]),
             "annual baseline")

        # the tariff: each counted interval priced at its period, from the records
        energy, blocks, periods = 0.0, {}, set()
        for rec in flat:
            s = rec["streams"][0]
            t = s["tariff"]
            if rec["phase"] != "reporting" or s["savings"] is None:
                assert t["period"] is None and t["price"] is None, (rec["seq"], t)
                continue
            local_h = (int(rec["start"][11:13]) + 8) % 24
            want = "flat" if local_h < 10 else "peak"
            assert t["period"] == want, (rec["start"], t)
            periods.add(want)
            near(t["price"], 1.0 if want == "flat" else 1.7, "price")
            near(s["converted"]["cost_hkd"], s["savings"] * t["price"], "interval cost")
            energy += s["converted"]["cost_hkd"]
            b = blocks.setdefault(rec["start"][:14] + "%02d" % (int(rec["start"][14:16]) // 15 * 15), [])
            b.append((s["adjusted_baseline"], s["actual"]))
        assert periods == {"flat", "peak"}, (periods, [r["start"] for r in flat][-4:])
        full = [b for b in blocks.values() if len(b) == 3]
        assert full, "no complete 15-minute demand interval"
        peak_base = max(sum(x for x, _ in b) / 0.25 for b in full)
        peak_act = max(sum(y for _, y in b) / 0.25 for b in full)
        t = last["tariff"]
        cost = last["cumulative"]["cost"]
        assert t["billing_month"] == "2026-01" and cost["billing_months"] == 1, (t, cost)
        near(t["peak_kw_baseline"], peak_base, "baseline peak")
        near(t["peak_kw_actual"], peak_act, "measured peak")
        near(cost["demand_hkd"], (peak_base - peak_act) * CHARGE, "demand charge savings")
        near(cost["energy_hkd"], energy, "energy cost")
        near(last["cumulative"]["converted"]["cost_hkd"], energy + cost["demand_hkd"], "cost_hkd")
        # the annual HK$: the annual savings at the mean price, 12 months of demand savings
        c = last["cumulative"]
        near(c["annual_converted"]["cost_hkd"],
             c["annual_savings"] * energy / c["savings"] + 12 * cost["demand_hkd"], "annual cost")

        # mvgate report prices the same intervals by the same rule
        r = T.run([T.binary("mvgate"), "report", "-c", cfg, "--project", "cal-flat", "--format",
                   "json", "--to", flat[-1]["end"]])
        assert r.returncode == 0, r.stderr
        fig = {k: v["value"] for k, v in json.loads(r.stdout)["figures"].items()}
        near(fig["savings.electricity.cost_hkd"], c["converted"]["cost_hkd"], "report cost")
        near(fig["annual.electricity.cost_hkd"], c["annual_converted"]["cost_hkd"], "report annual cost")
        near(fig["annual.electricity.savings"], c["annual_savings"], "report annual savings")
        # its HK$ bounds: the savings' interval at the window's mean price, plus
        # the demand charge savings; per year as the annual figure is priced
        lo = c["savings_low"] + c["adjustment"]
        hi = c["savings_high"] + c["adjustment"]
        near(fig["savings.electricity.savings.low"], lo, "report savings low")
        near(fig["savings.electricity.cost_hkd.low"], lo * energy / c["savings"] + cost["demand_hkd"], "report cost low")
        near(fig["savings.electricity.cost_hkd.high"], hi * energy / c["savings"] + cost["demand_hkd"], "report cost high")
        alo = c["annual_savings"] * (1 - c["fsu"])
        near(fig["annual.electricity.savings.low"], alo, "report annual low")
        near(fig["annual.electricity.cost_hkd.low"], alo * energy / c["savings"] + 12 * cost["demand_hkd"],
             "report annual cost low")
        assert fig["savings.electricity.cost_hkd.low"] < fig["savings.electricity.cost_hkd"] < \
            fig["savings.electricity.cost_hkd.high"], fig

        # the definition records name the calendar and the tariff, and the
        # Python walk of docs/mqtt.md recomputes every HK$ figure from them
        dv = jsonschema.Draft7Validator(T.schema("definition"))
        defs = {}
        for doc in chain:
            if doc.get("schema", "").startswith("mvgate/definition/") and doc["project"] == "cal-flat":
                errors = list(dv.iter_errors(doc))
                assert not errors, errors[0].message
                defs[doc["version"]] = doc
        assert defs, "no definition record of cal-flat"
        d1 = defs[max(defs)]
        assert d1["annual"] == {"basis": "calendar", "calendar": os.path.join(d, "flat.conf"),
                                "year": 2026, "utc_offset_min": 480, "rest_days": [], "shifts": []}, d1["annual"]
        tj = d1["streams"][0]["tariff"]
        assert tj["energy_price"] == 1.0 and tj["demand_charge"] == CHARGE and tj["demand_interval_min"] == 15
        assert [p["name"] for p in tj["periods"]] == ["critical peak", "peak", "flat", "valley"], tj
        with open(os.path.join(T.SRC, "docs", "mqtt.md")) as f:
            md = f.read()
        start = md.index("```python\n", md.index("## Signed records")) + len("```python\n")
        walk = {}
        exec(compile(md[start:md.index("# from `mvgate export", start)], "walk", "exec"), walk)
        definitions = {k: {s["name"]: s["factors"] for s in v["streams"]} for k, v in defs.items()}
        tariffs = {k: {s["name"]: s.get("tariff") for s in v["streams"]} for k, v in defs.items()}
        n = sum(walk["check_converted"](rec, definitions, tariffs) for rec in flat)
        assert n > 0
        wrong = json.loads(json.dumps(flat[-1]))
        wrong["streams"][0]["cumulative"]["cost"]["demand_hkd"] += 1.0
        try:
            walk["check_converted"](wrong, definitions, tariffs)
            raise RuntimeError("a demand charge that is not the record's passed")
        except AssertionError as e:
            assert "cost_hkd" in str(e), e

        for prj in ("cal-cn", "cal-flat"):
            r = T.run([T.binary("mvgate"), "replay", "-c", cfg, "--project", prj,
                       "--time-scale", str(SCALE)])
            assert r.returncode == 0, r.stdout + r.stderr
            assert "%d records match" % len(by[prj]) in r.stdout, (len(by[prj]), r.stdout, r.stderr)


if __name__ == "__main__":
    T.main([test_calendar_and_tariff_in_the_records])
