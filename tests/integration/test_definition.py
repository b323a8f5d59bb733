"""The project definition record, as a verifier uses it: the accelerated
compressor plant (x600, an hour of baseline, ten minutes of installation,
then the VSD retrofit) runs with a real mosquitto and a subscriber. The
configuration gives the IPMVP option, the measurement boundary and a
meter's accuracy class and calibration date. Afterwards, from the captured
messages alone:

- the definition record (version 1, chain 1) carries them, its
  config_sha256 is the SHA-256 of the configuration file's bytes as
  loaded, and every interval record names the version in force;
- TJ, t CO2 and HK$ of every interval record (the interval's savings, the
  cumulative and the annualised savings) are recomputed, by the formulas
  of docs/conversions.md and docs/mqtt.md ("Project definition"), from the
  signed definition's factors and the records' own amounts, and agree
  with the records' converted figures;
- a changed CO2 factor and SIGHUP write definition version 2 (its factor
  configured, the NCV-free electricity stream's fixed factors defaulted),
  the records after it name it and convert with it; a reload with the
  configuration unchanged writes none;
- `mvgate verify` walks the capture (definitions as chain members, each on
  definition/<project>), and the Python walk printed in docs/mqtt.md
  verifies the export and recomputes the converted figures too;
- a late subscriber gets the definition in force, retained, and verifies
  it with the enrolled key."""

import hashlib
import json
import math
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, ORIGIN_S, SCALE, Mosquitto, Subscriber, mvgate, plant_s  # noqa: E402

GW = "gw-demo-compressor"
TOPICS = "mvgate/v1/%s/" % GW
PROJECT = T.compressor_project("01:00", "01:10").replace(
    "interval_min = 5;",
    'interval_min = 5; ipmvp_option = "B";\n'
    '    measurement_boundary = "compressor room: the compressor and its air-flow meter";')
METER = 'name = "comp_power"; accuracy_class = "0.5S"; calibration_date = "2025-03-01";'


def converted(factors, amount):
    """amount converted with a stream's factors, written from
    docs/conversions.md: kWh = amount x kwh_per_unit, TJ = kWh x
    tj_per_kwh, t CO2 = kWh x co2_kg_per_unit / 1000, HK$ = amount x
    cost_per_unit (electricity)."""
    f = {x["name"]: x["value"] for x in factors}
    kwh = amount * f["kwh_per_unit"]
    return {"kwh": kwh, "tj": kwh * f["tj_per_kwh"], "co2_t": kwh * f["co2_kg_per_unit"] / 1000.0,
            "cost_hkd": amount * f["cost_per_unit"]}


def recompute(intervals, definitions):
    """Checks every converted figure; returns how many were counted ones."""
    checked = 0
    for rec in intervals:
        factors = {s["name"]: s["factors"] for s in definitions[rec["definition"]]["streams"]}
        for s in rec["streams"]:
            cum = s["cumulative"]
            for amount, conv in ((s["savings"], s["converted"]), (cum["savings"], cum["converted"]),
                                 (cum["annual_savings"], cum["annual_converted"])):
                if amount is None:
                    assert all(v is None for v in conv.values()), (rec["seq"], conv)
                    continue
                for k, want in converted(factors[s["name"]], amount).items():
                    assert math.isclose(conv[k], want, rel_tol=1e-12, abs_tol=1e-15), \
                        "seq %d %s: %r, from the definition %r" % (rec["seq"], k, conv[k], want)
                checked += conv is s["converted"]
    return checked


def factor(defn, name):
    return [f for f in defn["streams"][0]["factors"] if f["name"] == name][0]


def run(d, port):
    """The run with its two reloads; returns (cfg, the capture's lines, the
    late subscriber's lines, the seq of the last record before the change)."""
    full = Subscriber(port, TOPICS + "#", os.path.join(d, "full.txt"), "full")
    late = None
    anchor = time.time()
    sim = T.plant_sim("compressor", 7)
    gw = None
    changed_at = None
    try:
        cfg = T.fast_gateway_config("compressor", sim.port, d, PROJECT + """
mqtt = { uri = "tcp://127.0.0.1:%d"; telemetry = "every"; telemetry_every = 50; };
""" % port)
        with open(cfg) as f:
            text = f.read()
        assert 'name = "comp_power";' in text
        T.write(cfg, text.replace('name = "comp_power";', METER))
        gw = T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name="mvgated")
        T.wait_until(lambda: os.path.exists(os.path.join(d, "gateway.pub")), 10, "the gateway key")
        T.enrol(cfg, os.path.join(d, "register.txt"))
        switched = False
        step = 0
        while plant_s(anchor) < ORIGIN_S + 2.2 * 3600:
            gw.pump(0.05)
            h = (plant_s(anchor) - ORIGIN_S) / 3600
            if not switched and h >= 1.0:
                assert sim.control("phase retrofit").startswith("ok")
                switched = True
            if step == 0 and h >= 1.4:
                # the grid factor changes: a new definition
                with open(cfg) as f:
                    text = f.read()
                assert "co2_kg_per_unit = 0.49;" in text
                T.write(cfg, text.replace("co2_kg_per_unit = 0.49;", "co2_kg_per_unit = 0.51;"))
                changed_at = len(gw.err_lines)
                gw.signal(signal.SIGHUP)
                gw.wait_line(r"comp-vsd: definition version 2 written", stream="err",
                             start=changed_at)
                step = 1
            if step == 1 and h >= 1.6:
                # the same configuration again: no new version
                mark = len(gw.err_lines)
                gw.signal(signal.SIGHUP)
                gw.wait_line(r"reloaded: ", stream="err", start=mark)
                step = 2
            if step == 2 and h >= 1.7:
                late = Subscriber(port, TOPICS + "#", os.path.join(d, "late.txt"), "late")
                step = 3
        assert step == 3, step
        assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        reloads = [l for l in gw.err_lines if "definition version" in l]
        assert len(reloads) == 2, reloads  # versions 1 and 2, none for the unchanged reload
        gw = None
        for sub in (full, late):
            T.wait_until(lambda: any("/status " in l and '"offline"' in l for l in sub.lines()),
                         10, "the offline status at %s" % sub.path)
    finally:
        if gw:
            gw.stop()
        sim.stop()
        full.stop()
        if late:
            late.stop()
    return cfg, full.lines(), late.lines()


def test_definition_records():
    with T.TempDir() as d:
        port = T.free_port()
        broker = Mosquitto(d, port)
        try:
            cfg, full, late = run(d, port)
        finally:
            broker.stop()
        check(d, cfg, full, late)


def check(d, cfg, full, late):
    defs, intervals = {}, []
    for line in full:
        topic, payload = line.split(" ", 1)
        kind = topic[len(TOPICS):].split("/")[0]
        if kind == "definition":
            assert topic == TOPICS + "definition/comp-vsd", topic
            doc = json.loads(payload)
            assert defs.get(doc["version"], doc) == doc  # a repeat is the same record
            defs[doc["version"]] = doc
        elif kind == "interval":
            intervals.append(json.loads(payload))
    assert sorted(defs) == [1, 2], sorted(defs)
    d1, d2 = defs[1], defs[2]
    assert d1["chain"] == 1 and d1["prev"] == "0" * 64, d1["chain"]
    assert d1["ipmvp_option"] == "B" and d1["measurement_boundary"].startswith("compressor room")
    meters = {m["device"]: m for m in d1["meters"]}
    assert set(meters) == {"comp_power", "air_flow"}, meters.keys()
    # what the project counts: its use, not the flow meter it reads as an x
    assert d1["counts"] == ["comp_power.energy_kwh"], d1["counts"]
    assert meters["comp_power"]["accuracy_class"] == "0.5S"
    assert meters["comp_power"]["calibration_date"] == "2025-03-01"
    assert meters["air_flow"]["accuracy_class"] is None and meters["air_flow"]["calibration_date"] is None
    assert meters["comp_power"]["unit_id"] == 1 and meters["comp_power"]["transport"] == "tcp"
    assert d1["streams"][0]["model"] == {"form": "linear", "x": ["air_flow.volume_m3"], "given": False}
    co2 = factor(d1, "co2_kg_per_unit")
    assert co2["value"] == 0.49 and co2["defaulted"] is False and co2["source"] == "configuration"
    assert factor(d1, "tj_per_kwh")["value"] == 3.6e-6 and factor(d1, "tj_per_kwh")["defaulted"]
    assert factor(d1, "cost_per_unit")["value"] == 1.35
    # version 2: only the factor and the configuration's hash changed
    assert factor(d2, "co2_kg_per_unit")["value"] == 0.51
    assert d2["config_sha256"] != d1["config_sha256"]
    with open(cfg, "rb") as f:  # the file as loaded last: no @include in it
        assert d2["config_sha256"] == hashlib.sha256(f.read()).hexdigest()
    strip = ("version", "created", "chain", "key", "prev", "sig", "config_sha256", "streams")
    assert {k: v for k, v in d1.items() if k not in strip} == \
        {k: v for k, v in d2.items() if k not in strip}

    # every interval record names the definition in force
    by_seq = {}
    for rec in intervals:
        by_seq.setdefault(rec["seq"], rec)
    recs = [by_seq[s] for s in sorted(by_seq)]
    names = [r["definition"] for r in recs]
    assert names == sorted(names) and set(names) == {1, 2}, names
    first2 = [r for r in recs if r["definition"] == 2][0]
    assert first2["chain"] > d2["chain"], (first2["chain"], d2["chain"])
    assert [r for r in recs if r["definition"] == 1][-1]["chain"] < d2["chain"]
    # ... and converts with it: TJ, t CO2 and HK$ from the signed records alone
    counted = recompute(recs, defs)
    assert counted >= 6, counted
    after = [r for r in recs if r["definition"] == 2 and r["streams"][0]["savings"] is not None]
    assert after, "no counted interval under version 2"
    s = after[0]["streams"][0]
    assert math.isclose(s["converted"]["co2_t"], s["savings"] * 0.51 / 1000, rel_tol=1e-12)

    # the signatures: mvgate verify over the capture, definitions included
    key = T.key_lines(mvgate("key", "show", "-c", cfg).stdout)[0]["public key"]
    cap = T.write(os.path.join(d, "capture.txt"), "\n".join(full) + "\n")
    v = mvgate("verify", "--pubkey", key, "--mqtt-capture", cap,
               "--enrolled", os.path.join(d, "register.txt"))
    assert v.returncode == 0, v.stdout + v.stderr
    exported = [c for c in T.export(cfg, "chain") if c["kind"] != "head"]
    assert [c["kind"] for c in exported].count("definition") == 2
    assert "\nOK: %d records, 1 projects" % len(exported) in v.stdout, v.stdout
    # a definition on another project's topic is a wrong topic, not a repeat
    moved = [l.replace(TOPICS + "definition/comp-vsd", TOPICS + "definition/other")
             if l.startswith(TOPICS + "definition/") else l for l in full]
    v = mvgate("verify", "--pubkey", key, "--mqtt-capture",
               T.write(os.path.join(d, "moved.txt"), "\n".join(moved) + "\n"))
    assert v.returncode == 1 and "(definition version 1): wrong topic" in v.stdout, v.stdout
    # the Python walk of docs/mqtt.md over the export: signatures, chain,
    # definitions and the converted figures
    with open(os.path.join(T.SRC, "docs", "mqtt.md")) as f:
        doc = f.read()
    start = doc.index("```python\n", doc.index("## Signed records")) + len("```python\n")
    steps = T.write(os.path.join(d, "walk.py"), doc[start:doc.index("```", start)])
    r = mvgate("export", "-c", cfg, "--format", "jsonl", "--what", "chain")
    exp = T.write(os.path.join(d, "chain.jsonl"), r.stdout)
    w = T.run([sys.executable, steps, exp, key, os.path.join(d, "register.txt")])
    nheads = sum(1 for l in r.stdout.splitlines() if json.loads(l)["kind"] == "head")
    assert nheads > 0
    assert w.returncode == 0 and \
        w.stdout.strip() == "%d records OK, %d heads OK, enrolled" % (len(exported), nheads), \
        w.stdout + w.stderr
    # ... whose recomputation names a figure that disagrees with its
    # definition (the walk's own functions, as printed)
    walk = {}
    exec(compile(doc[start:doc.index("# from `mvgate export", start)], "walk", "exec"), walk)
    definitions = {k: {s["name"]: s["factors"] for s in v["streams"]} for k, v in defs.items()}
    assert walk["check_converted"](after[0], definitions) >= 4
    wrong = json.loads(json.dumps(after[0]))
    wrong["definition"] = 1  # the factors of version 1: the CO2 figure disagrees
    try:
        walk["check_converted"](wrong, definitions)
        raise RuntimeError("a figure converted with another factor passed")
    except AssertionError as e:
        assert "co2_t" in str(e), e

    # the late subscriber: the definition in force, retained, verified
    late_defs = [json.loads(l.split(" ", 1)[1]) for l in late
                 if l.startswith(TOPICS + "definition/")]
    assert late_defs and late_defs[0]["version"] == 2, [x["version"] for x in late_defs]
    lcap = T.write(os.path.join(d, "late.txt"), "\n".join(late) + "\n")
    # it joined mid-chain: the verifier names where its live records start
    first_live = min(json.loads(l.split(" ", 1)[1])["chain"] for l in late
                     if l.startswith(TOPICS + "interval/"))
    v = mvgate("verify", "--pubkey", key, "--mqtt-capture", lcap,
               "--enrolled", os.path.join(d, "register.txt"), "--from-chain", str(first_live))
    assert v.returncode == 0, v.stdout + v.stderr
    assert "1 retained definition record" in v.stderr, v.stderr


if __name__ == "__main__":
    T.main([test_definition_records])
