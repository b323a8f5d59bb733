"""`mvgate programme` against a real hub: mosquitto, mvgate-hub on SQLite
and three gateways (mvgated on the simulated compressor, VOC and
wastewater plants, x600, each its own key, all enrolled):

- the programme's measured totals (TJ, t CO2, t VOC, m3 water, HK$) and
  records equal the sums of the gateways' own interval records (`mvgate
  export`), counted as the report counts them; the annualised totals the
  sums of each project's last record's annual figures (never hours x
  8760); each project's uncertainty the half-width of its own savings
  interval, and the programme's their root-sum-square; the compressor's,
  whose window is its whole reporting period, equals the interval in the
  gateway's own last record;
- JSON validated against docs/schemas/programme.schema.json; CSV with the
  same figures; HTML in English and Traditional Chinese rendered by
  headless Chromium (PNG and PDF), its data-v cells the JSON's figures;
- the programme year 2025-26 (April to March, Hong Kong time) holds the
  records, 2026-27 none; a --from that is not a Hong Kong midnight is
  refused (exit 2);
- a record altered and injected with mosquitto_pub: its project is "bad",
  exit 1, the totals unchanged (a bad record counts nothing);
- PostgreSQL, two hub instances on one shared subscription and database,
  both verifying: every record is in the totals once (the tallies are
  added by the instance whose verdict it is)."""

import csv
import io
import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

import jsonschema

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, ORIGIN_S, SCALE, Mosquitto, plant_s  # noqa: E402
from test_report import png_not_blank  # noqa: E402

COMPRESSOR = T.compressor_project("01:00", "01:10")
VOC = """
projects = (
  { name = "voc-rto"; technology = "voc_treatment"; interval_min = 5;
    baseline = { start = "2026-01-05T00:00:00Z"; end = "2026-01-05T01:00:00Z"; };
    reporting = { start = "2026-01-05T01:00:00Z"; };
    streams = (
      { name = "voc"; type = "voc"; unit = "kg";
        inlet = { conc = "voc_in.voc_mgnm3"; flow = "exhaust.flow_nm3h"; };
        outlet = { conc = "voc_out.voc_mgnm3"; flow = "exhaust.flow_nm3h"; };
        model = { type = "linear"; x = [ "voc_in.voc_mgnm3 * exhaust.flow_nm3h / 1000000" ]; }; },
      { name = "fan"; type = "electricity"; unit = "kWh"; actual = "exhaust.fan_kwh";
        model = { type = "mean"; }; co2_kg_per_unit = 0.39; cost_per_unit = 1.2; }
    ); }
);
"""
WATER = """
projects = (
  { name = "ww-recycle"; technology = "wastewater_recycling"; interval_min = 5;
    baseline = { start = "2026-01-05T00:00:00Z"; end = "2026-01-05T01:00:00Z"; };
    installation = { start = "2026-01-05T01:00:00Z"; end = "2026-01-05T01:10:00Z"; };
    reporting = { start = "2026-01-05T01:10:00Z"; };
    streams = (
      { name = "wastewater"; type = "wastewater"; unit = "m3"; actual = "discharge.volume_m3";
        model = { type = "linear"; x = [ "production.output_t" ]; }; cost_per_unit = 4.5; }
    ); }
);
"""
PLANTS = [("compressor", COMPRESSOR, "comp-vsd"), ("voc", VOC, "voc-rto"),
          ("wastewater", WATER, "ww-recycle")]
UNITS = ["tj", "co2_t", "voc_t", "so2_t", "nox_t", "water_m3", "cost_hkd"]


def chromium(html, png, pdf):
    """Renders html to a PNG and an A4 PDF in headless Chromium; the PDF's
    page count (summary, months, technologies, projects, method each start
    a page)."""
    base = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    url = "file://" + html
    for extra in (["--screenshot=" + png, "--window-size=1280,3000"],
                  ["--print-to-pdf=" + pdf, "--no-pdf-header-footer"]):
        r = subprocess.run(base + extra + [url], capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr[-2000:]
    assert os.path.getsize(png) > 10000 and os.path.getsize(pdf) > 10000
    assert png_not_blank(png), png + " is blank"
    with open(pdf, "rb") as f:
        body = f.read()
    pages = body.count(b"/Type /Page") - body.count(b"/Type /Pages")
    assert pages >= 5, "%s has %d pages" % (pdf, pages)
    return pages


def to_units(stype, conv):
    """A stream's converted figures in the programme's units (as
    programme_data.c maps them)."""
    out = dict.fromkeys(UNITS, 0.0)
    out["tj"] = conv["tj"] or 0.0
    out["co2_t"] = conv["co2_t"] or 0.0
    out["cost_hkd"] = conv["cost_hkd"] or 0.0
    out["water_m3"] = conv["water_m3"] or 0.0
    if stype in ("voc", "so2", "nox"):
        out[stype + "_t"] = (conv["pollutant_kg"] or 0.0) / 1000.0
    return out


def expected(cfgs):
    """From the gateways' own interval records: per project the measured
    sums (counted reporting intervals), reporting records, and the annual
    figures of the last record."""
    out = {}
    for cfg, project in cfgs:
        recs = [x["record"] for x in T.export(cfg)]
        rep = [r for r in recs if r["phase"] == "reporting"]
        meas = dict.fromkeys(UNITS, 0.0)
        for r in rep:
            for s in r["streams"]:
                if s["adjusted_baseline"] is None:
                    continue
                for k, v in to_units(s["type"], s["converted"]).items():
                    meas[k] += v
        ann = dict.fromkeys(UNITS, 0.0)
        for s in rep[-1]["streams"]:
            ac = s["cumulative"]["annual_converted"]
            for k, v in to_units(s["type"], ac).items():
                ann[k] += v
        out[project] = {"measured": meas, "records": len(rep), "annual": ann, "last": rep[-1],
                        "gateway": rep[-1]["gateway"]}
    return out


def close(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def programme(conf, *args):
    return T.run([T.binary("mvgate"), "programme", "-c", conf] + list(args), timeout=60)


def run_plants(d, port, plants=PLANTS):
    """The gateways of plants for 2 plant hours (retrofit at 1 h), enrolled
    in d/register.txt; returns [(cfg, project)]."""
    anchor = time.time()
    sims, gws, cfgs = [], [], []
    try:
        for i, (plant, prj, name) in enumerate(plants):
            sim = T.plant_sim(plant, 11 + i)
            sims.append(sim)
            gd = os.path.join(d, plant)
            os.makedirs(gd)
            cfg = T.fast_gateway_config(plant, sim.port, gd, prj + """
mqtt = { uri = "tcp://127.0.0.1:%d"; telemetry = "every"; telemetry_every = 50; };
""" % port)
            gws.append(T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name="mvgated-" + plant))
            cfgs.append((cfg, name))
        lines = []
        for (cfg, _), gd in zip(cfgs, [os.path.join(d, p[0]) for p in plants]):
            T.wait_until(lambda: os.path.exists(os.path.join(gd, "gateway.pub")), 10, "a gateway key")
            r = T.mvgate("key", "show", "-c", cfg)
            assert r.returncode == 0, r.stderr
            lines += [l[len("register line: "):] for l in r.stdout.splitlines()
                      if l.startswith("register line: ")]
        T.write(os.path.join(d, "register.txt"), "\n".join(lines) + "\n")
        switched = False
        while plant_s(anchor) < ORIGIN_S + 2 * 3600:
            for g in gws:
                g.pump(0.02)
            if not switched and plant_s(anchor) >= ORIGIN_S + 3600:
                for s in sims:
                    assert s.control("phase retrofit").startswith("ok")
                switched = True
        for g in gws:
            assert g.stop() == 0, "\n".join(g.err_lines[-20:])
        gws = []
    finally:
        for g in gws:
            g.stop()
        for s in sims:
            s.stop()
    return cfgs


def test_programme():
    with T.TempDir() as d:
        port = T.free_port()
        broker = Mosquitto(d, port)
        db_path = os.path.join(d, "hub.db")
        T.write(os.path.join(d, "register.txt"), "")
        conf = T.hub_conf(d, "hub-p", port, 'backend = "sqlite"; path = "%s";' % db_path)
        hub = T.start_hub(conf)
        try:
            cfgs = run_plants(d, port)
            hub.signal(__import__("signal").SIGHUP)
            hub.wait_line(r"register re-read: 3 enrolled", timeout=10, stream="err")
            nchain = 0
            for cfg, _ in cfgs:
                r = T.mvgate("export", "-c", cfg, "--format", "jsonl", "--what", "chain")
                nchain += sum(1 for l in r.stdout.splitlines() if l.strip() and
                              json.loads(l)["kind"] != "head")

            def count_ok():
                hub.pump(0)
                with sqlite3.connect(db_path) as c:
                    return c.execute("SELECT COUNT(*) FROM hub_records WHERE verdict = 'ok'").fetchone()[0]
            T.wait_until(lambda: count_ok() >= nchain, 30, "%d records verified" % nchain, interval=0.2)

            # the gateways' clean stops become offline alarms at the hub's next
            # alert pass: wait for them, the programme lists them per project
            def offline():
                hub.pump(0)
                with sqlite3.connect(db_path) as c:
                    return c.execute("SELECT COUNT(DISTINCT gateway) FROM hub_alerts WHERE"
                                     " kind = 'offline' AND cleared_ms IS NULL").fetchone()[0]
            T.wait_until(lambda: offline() >= len(cfgs), 30, "the gateways' offline alarms",
                         interval=0.2)
            want = expected(cfgs)

            # ---- JSON: totals are the gateways' own records
            r = programme(conf, "--year", "2025-26", "--format", "json")
            assert r.returncode == 0, r.stderr
            doc = json.loads(r.stdout)
            with open(os.path.join(T.SRC, "docs", "schemas", "programme.schema.json")) as f:
                jsonschema.validate(doc, json.load(f))
            assert doc["window"]["from"] == "2025-03-31T16:00:00.000Z", doc["window"]
            assert doc["window"]["to"] == "2026-03-31T16:00:00.000Z", doc["window"]
            tot = doc["totals"]
            assert tot["projects"] == 3 and tot["projects_measured"] == 3, tot
            assert tot["projects_bad"] == 0 and tot["unread"] == 0, tot
            assert tot["records"] == sum(w["records"] for w in want.values()), tot
            for k in UNITS:
                s = sum(w["measured"][k] for w in want.values())
                assert close(tot["measured"][k], s), (k, tot["measured"][k], s)
                a = sum(w["annual"][k] for w in want.values())
                assert close(tot["annual"][k], a), (k, tot["annual"][k], a)
            for k in ("tj", "co2_t", "voc_t", "water_m3", "cost_hkd"):
                assert tot["measured"][k] != 0.0, k
            projects = {p["project"]: p for p in doc["projects"]}
            assert set(projects) == set(want)
            techs = {p["project"]: p["technology"] for p in doc["projects"]}
            assert techs == {"comp-vsd": "air_compressor", "voc-rto": "voc_treatment",
                             "ww-recycle": "wastewater_recycling"}, techs
            for name, w in want.items():
                p = projects[name]
                assert "offline" in p["alarm_kinds"], p  # the gateways have stopped
                assert p["status"] == "verified" and p["bad"] == 0, p
                assert p["gateway"] == w["gateway"] and p["records"] == w["records"], p
                assert 0.9 <= p["coverage"] <= 1.0, p
                for k in UNITS:
                    assert close(p["measured"][k], w["measured"][k]), (name, k)
            # root-sum-square of the projects' half-widths
            for k in ("tj", "co2_t", "cost_hkd"):
                rss = math.sqrt(sum(p["uncertainty"][k] ** 2 for p in doc["projects"]))
                assert close(tot["uncertainty"][k], rss), (k, tot["uncertainty"][k], rss)
                assert tot["uncertainty"][k] > max(p["uncertainty"][k] for p in doc["projects"])
            # the compressor's window is its whole reporting period at the
            # project's own confidence: its interval is the gateway's
            cum = next(s for s in want["comp-vsd"]["last"]["streams"])["cumulative"]
            half_kwh = (cum["savings_high"] - cum["savings_low"]) / 2
            tj_per_kwh = cum["converted"]["tj"] / cum["savings"]
            assert close(projects["comp-vsd"]["uncertainty"]["tj"], half_kwh * tj_per_kwh, 1e-6), \
                (projects["comp-vsd"]["uncertainty"]["tj"], half_kwh * tj_per_kwh)
            # the months: January 2026 (HKT) holds every record
            assert [m["start"] for m in doc["months"]] == ["2025-12-31T16:00:00.000Z"], doc["months"]
            assert close(doc["months"][0]["measured"]["tj"], tot["measured"]["tj"])

            # ---- CSV: the same figures
            out_csv = os.path.join(d, "programme.csv")
            r = programme(conf, "--year", "2025-26", "--format", "csv", "--out", out_csv)
            assert r.returncode == 0, r.stderr
            with open(out_csv, "rb") as f:
                body = f.read()
            assert body.startswith(b"section,key,value,unit\r\n") and b"\n" not in body.replace(b"\r\n", b"")
            rows = {(x[0], x[1]): x[2] for x in csv.reader(io.StringIO(body.decode(), newline=""))
                    if len(x) == 4}
            for k in UNITS:
                assert float(rows[("totals", "measured." + k)]) == tot["measured"][k], k
            assert rows[("project", "%s/comp-vsd.status" % want["comp-vsd"]["gateway"])] == "verified"

            # ---- HTML in both languages, rendered
            pages = {}
            for lang in ("en", "zh-Hant"):
                html = os.path.join(d, "programme-%s.html" % lang)
                r = programme(conf, "--year", "2025-26", "--lang", lang, "--out", html)
                assert r.returncode == 0, r.stderr
                with open(html, encoding="utf-8") as f:
                    text = f.read()
                assert '<html lang="%s">' % lang in text
                assert text.count("<svg") >= 3, "three charts"
                for k in UNITS:
                    m = re.search(r'data-k="totals\.measured\.%s" data-v="([^"]+)"' % k, text)
                    assert m and float(m.group(1)) == tot["measured"][k], k
                if lang == "zh-Hant":
                    assert "計劃總計" in text and "至今實測" in text and "不確定性" in text
                else:
                    assert "Programme totals" in text and "Measured to date" in text
                if shutil.which("chromium"):
                    pages[lang] = chromium(html, html[:-5] + ".png", html[:-5] + ".pdf")
            assert not shutil.which("chromium") or len(pages) == 2

            # ---- windows
            r = programme(conf, "--year", "2026-27", "--format", "json")
            assert r.returncode == 0, r.stderr
            empty = json.loads(r.stdout)
            assert empty["totals"]["records"] == 0 and empty["totals"]["measured"]["tj"] is None
            r = programme(conf, "--from", "2026-01-01T00:00:00Z", "--format", "json")
            assert r.returncode == 2 and "not a day boundary in Hong Kong time" in r.stderr, r.stderr
            r = programme(conf, "--year", "2025-27")
            assert r.returncode == 2 and "--year" in r.stderr, r.stderr

            # ---- a bad record: its project is bad, the totals unchanged
            chain = [json.loads(l) for l in T.mvgate("export", "-c", cfgs[0][0], "--format", "jsonl",
                                                       "--what", "chain").stdout.splitlines() if l.strip()]
            line = next(x for x in chain if x["kind"] == "interval" and x["chain"] > 3)
            raw = json.dumps(line["record"], separators=(",", ":")).encode()
            doc0 = line["record"]
            alt = raw.replace(b'"seq":%d' % doc0["seq"], b'"seq":%d' % (doc0["seq"] + 1000), 1)
            T.mqtt_publish(port, "mvgate/v1/%s/interval/comp-vsd" % doc0["gateway"], alt)

            def bad_seen():
                hub.pump(0)
                with sqlite3.connect(db_path) as c:
                    return c.execute("SELECT COUNT(*) FROM hub_records WHERE verdict <> 'ok'"
                                     ).fetchone()[0] > 0
            T.wait_until(bad_seen, 20, "the altered record decided")
            r = programme(conf, "--year", "2025-26", "--format", "json")
            assert r.returncode == 1, (r.returncode, r.stderr)
            after = json.loads(r.stdout)
            assert {p["project"]: p["status"] for p in after["projects"]}["comp-vsd"] == "bad"
            assert after["totals"]["measured"] == tot["measured"], "a bad record counts nothing"
            assert hub.stop() == 0, hub.err_lines[-10:]
            print("programme: %d records, %.6g TJ +- %.3g, %.6g t CO2, annual %.6g TJ; pdf pages %s" % (
                tot["records"], tot["measured"]["tj"], tot["uncertainty"]["tj"], tot["measured"]["co2_t"],
                tot["annual"]["tj"], pages))
        finally:
            hub.stop()
            broker.stop()


def chain_count(cfgs):
    n = 0
    for cfg, _ in cfgs:
        r = T.mvgate("export", "-c", cfg, "--format", "jsonl", "--what", "chain")
        n += sum(1 for l in r.stdout.splitlines() if l.strip() and json.loads(l)["kind"] != "head")
    return n


def test_programme_postgres():
    pg = T.Postgres()
    try:
        with T.TempDir() as d:
            port = T.free_port()
            broker = Mosquitto(d, port)
            T.write(os.path.join(d, "register.txt"), "")
            db = 'backend = "postgresql"; conninfo = "%s";' % pg.conninfo()
            confs = [T.hub_conf(d, n, port, db, 'shared_group = "hubs";') for n in ("hub-1", "hub-2")]
            hubs = [T.start_hub(c) for c in confs]
            try:
                cfgs = run_plants(d, port, [PLANTS[0], PLANTS[2]])
                for h in hubs:
                    h.signal(__import__("signal").SIGHUP)
                    h.wait_line(r"register re-read: 2 enrolled", timeout=10, stream="err")
                n = chain_count(cfgs)

                def count_ok():
                    for h in hubs:
                        h.pump(0)
                    return int(pg.psql("SELECT COUNT(*) FROM hub_records WHERE verdict = 'ok'")[0][0])
                T.wait_until(lambda: count_ok() >= n, 30, "%d records verified" % n, interval=0.2)
                deciders = {r[0] for r in pg.psql("SELECT DISTINCT verified_by FROM hub_records")}
                want = expected(cfgs)
                r = programme(confs[1], "--format", "json")
                assert r.returncode == 0, r.stderr
                doc = json.loads(r.stdout)
                tot = doc["totals"]
                assert tot["records"] == sum(w["records"] for w in want.values()), tot
                for k in UNITS:
                    s = sum(w["measured"][k] for w in want.values())
                    assert close(tot["measured"][k], s), (k, tot["measured"][k], s)
                oks = {p["project"]: p["verified_records"] for p in doc["projects"]}
                by_db = dict((p, int(c)) for p, c in pg.psql(
                    "SELECT project, COUNT(*) FROM hub_records WHERE verdict = 'ok' GROUP BY project"))
                assert oks == by_db, (oks, by_db)
                for h in hubs:
                    assert h.stop() == 0, h.err_lines[-10:]
                print("postgresql: %d records verified by %s, %d in the totals" % (
                    n, sorted(deciders), tot["records"]))
            finally:
                for h in hubs:
                    h.stop()
                broker.stop()
    finally:
        pg.stop()


if __name__ == "__main__":
    T.main([test_programme, test_programme_postgres])
