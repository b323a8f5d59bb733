"""The VOC plant's saving against the simulator's truth (issue 14 item 1).

mvgated polls `mvgate-sim --plant voc` accelerated x600: a 90-minute
baseline on the old activated carbon bed, then the simulator switches to
the zeolite rotor + RTO and the reporting period runs for 75 minutes. The
simulator integrates the outlet mass of both units whatever the phase
(status "old_outlet_kg" and "new_outlet_kg"), so the known reduction of
every counted reporting interval is the growth of the one minus the growth
of the other. mvgate's saving (the old unit's modelled outlet emission
minus the measured one) must agree with it; the removal (inlet minus
outlet), which the VOC template once counted as the saving, must be several
times larger and must not be taken for it. The annual figure is the
normalised one, and the net block sums the fan's extra energy against it.
"""

import bisect
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, ORIGIN_S, SCALE, export, plant_s, schema  # noqa: E402

import jsonschema  # noqa: E402

PROJECT = """
projects = (
  { name = "voc-rto"; technology = "voc_treatment"; interval_min = 5;
    baseline = { start = "2026-01-05T00:00:00Z"; end = "2026-01-05T01:30:00Z"; };
    reporting = { start = "2026-01-05T01:30:00Z"; };
    streams = (
      { name = "voc"; type = "voc"; unit = "kg";
        inlet = { conc = "voc_in.voc_mgnm3"; flow = "exhaust.flow_nm3h"; };
        outlet = { conc = "voc_out.voc_mgnm3"; flow = "exhaust.flow_nm3h"; };
        model = { type = "linear"; x = [ "voc_in.voc_mgnm3 * exhaust.flow_nm3h / 1000000" ]; }; },
      { name = "fan"; type = "electricity"; unit = "kWh"; actual = "exhaust.fan_kwh";
        model = { type = "linear"; x = [ "exhaust.flow_nm3h" ]; };
        co2_kg_per_unit = 0.39; cost_per_unit = 1.2; }
    ); }
);
"""


def parse_time(iso):
    return time.mktime(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone


def test_voc_saving_matches_the_simulator():
    truth = []  # (plant t, old_outlet_kg, new_outlet_kg)
    with T.TempDir() as d:
        anchor = time.time()
        sim = T.plant_sim("voc", 5)
        try:
            cfg = T.fast_gateway_config("voc", sim.port, d, PROJECT)
            gw = T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name="mvgated")
            switched = False
            while plant_s(anchor) < ORIGIN_S + 2.75 * 3600:
                gw.pump(0.02)
                st = json.loads(sim.control("status"))
                truth.append((st["t"], st["state"]["old_outlet_kg"], st["state"]["new_outlet_kg"]))
                if not switched and st["t"] >= ORIGIN_S + 1.5 * 3600:
                    assert sim.control("phase retrofit").startswith("ok")
                    switched = True
            time.sleep(1)
            assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        finally:
            sim.stop()
        recs = [x["record"] for x in export(cfg)]

    validator = jsonschema.Draft7Validator(schema("interval"))
    for r in recs:
        errors = list(validator.iter_errors(r))
        assert not errors, errors[0].message

    ts = [t for t, _, _ in truth]

    def at(t, k):
        """The truth counter k (1: old, 2: new) at plant time t, interpolated."""
        i = bisect.bisect_left(ts, t)
        assert 0 < i < len(ts), "no truth around %s" % t
        (t0, *a), (t1, *b) = truth[i - 1], truth[i]
        return a[k - 1] + (b[k - 1] - a[k - 1]) * (t - t0) / (t1 - t0)

    known = saving = removal = 0.0
    counted = 0
    for r in recs:
        s = next(x for x in r["streams"] if x["name"] == "voc")
        # the first reporting interval may straddle the switch: skip what
        # the simulator served before it (the phase change is not at 01:30.000)
        if r["phase"] != "reporting" or s["savings"] is None or r["start"] < "2026-01-05T01:35":
            continue
        a, b = parse_time(r["start"]), parse_time(r["end"])
        known += (at(b, 1) - at(a, 1)) - (at(b, 2) - at(a, 2))
        saving += s["savings"]
        removal += s["removal"]
        counted += 1
    print("\n  %d intervals: saving %.3f kg, simulator's reduction %.3f kg, removal %.3f kg"
          % (counted, saving, known, removal), file=sys.stderr)
    assert counted >= 10, counted
    # the old unit's modelled emission minus the measured one is the real reduction
    assert abs(saving - known) <= 0.05 * known, (saving, known)
    # what the new unit removes is far more than what it saves against the old one
    assert removal > 3 * saving, (removal, saving)

    last = recs[-1]
    voc = next(x for x in last["streams"] if x["name"] == "voc")
    cum = voc["cumulative"]
    assert cum["annual_basis"] == "baseline year" and cum["annual_error"] is None, cum
    assert 0 < cum["annual_savings"] < cum["annual_baseline"], cum
    assert abs(cum["annual_savings"] - cum["savings_fraction"] * cum["annual_baseline"]) < 1e-6 * cum["annual_baseline"]
    assert 0 < voc["removal_efficiency"] < 1 and cum["removal"] > cum["savings"]
    fan = next(x for x in last["streams"] if x["name"] == "fan")
    # the RTO's fan uses more: a negative saving, and the net block counts it
    assert fan["cumulative"]["savings"] < 0, fan["cumulative"]
    net = last["net"]
    assert net is not None and abs(net["co2_t"] - fan["cumulative"]["converted"]["co2_t"]) < 1e-12, net
    assert abs(net["cost_hkd"] - fan["cumulative"]["converted"]["cost_hkd"]) < 1e-9, net
    assert net["annual"] is not None and net["annual"]["co2_t"] < 0, net


if __name__ == "__main__":
    T.main([test_voc_saving_matches_the_simulator])
