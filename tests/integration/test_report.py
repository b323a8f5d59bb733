"""`mvgate report` on a run of the simulated compressor plant (x600: a
two-hour baseline, the fit, the VSD retrofit, an hour of reporting).

HTML (en and zh-Hant), JSON and CSV are made and cross-checked: every
data-k cell of the HTML holds the JSON figure, the CSV rows equal the JSON
figures, the JSON validates against docs/schemas/report.schema.json; with
no window the savings equal the cumulative block of the last stored
record; a window that cuts the reporting period sums exactly that window's
records, and its FSU follows the ASHRAE formula's scaling from the full
period's. Headless Chromium renders each HTML page to a PNG and an A4 PDF
(>= 2 pages, not blank). A report taken during the baseline says "no model
yet"; bad input exits 2 without writing a file; a tampered record makes the
report say the chain does not hold and exit 1."""

import csv
import hashlib
import io
import json
import math
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, ORIGIN_S, PROJECT, SCALE, export, plant_s  # noqa: E402

import jsonschema  # noqa: E402

DAY = ORIGIN[:11]
# the pipeline's project plus a second stream with two independent variables
PROJECT2 = PROJECT.replace("co2_kg_per_unit = 0.49; cost_per_unit = 1.35; } ); }", """co2_kg_per_unit = 0.49; cost_per_unit = 1.35; },
                { name = "elec_2x"; type = "electricity"; unit = "kWh"; actual = "comp_power.energy_kwh";
                  model = { type = "linear"; x = [ "air_flow.volume_m3", "air_flow.pressure_bar" ]; };
                  co2_kg_per_unit = 0.81; cost_per_unit = 0.9; } ); }""")
assert PROJECT2 != PROJECT
PROJECT2 = PROJECT2.replace('technology = "air_compressor";', 'technology = "air_compressor";'
                            ' ipmvp_option = "B"; measurement_boundary = "compressor 1 and its dryer";', 1)
assert "ipmvp_option" in PROJECT2
STREAMS = {"electricity": (0.49, 1.35), "elec_2x": (0.81, 0.9)}  # name -> (kg CO2/kWh, HK$/kWh)
T_GAP = {"en": "Not counted", "zh-Hant": "不計算"}  # the charts' legends
T_EXTRAP = {"en": "Extrapolated interval", "zh-Hant": "外推時段"}
CUMULATIVE_KEYS = {  # report figure -> member of the record's cumulative block
    "m": "m", "hours": "covered_hours", "adjusted_baseline": "adjusted_baseline",
    "actual": "actual", "avoided": "avoided", "adjustment": "adjustment", "savings": "savings",
    "fraction": "savings_fraction", "fsu": "fsu", "low": "savings_low", "high": "savings_high",
}


def report(cfg, *extra):
    return T.run([T.binary("mvgate"), "report", "-c", cfg, "--project", "comp-vsd"] + list(extra))


def close(a, b, rel=1e-12):
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


class Cells(HTMLParser):
    """Every element with data-k: key -> list of data-v; and the text."""

    def __init__(self):
        super().__init__()
        self.cells = {}
        self.text = []
        self.lang = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if "data-k" in a:
            self.cells.setdefault(a["data-k"], []).append(a.get("data-v"))
        assert tag not in ("script", "link", "img", "iframe"), "external or scripted content: " + tag

    def handle_data(self, data):
        self.text.append(data)


def parse_html(path):
    p = Cells()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    return p


def check_cells(html, figures):
    """Every JSON figure has exactly one data-k cell, holding its value."""
    assert set(html.cells) == set(figures), set(html.cells) ^ set(figures)
    for k, vs in html.cells.items():
        assert len(vs) == 1, "%s shown %d times with data-k" % (k, len(vs))
        assert k in figures, "data-k %s is not a JSON figure" % k
        want = figures[k]["value"]
        got = vs[0]
        if want is None:
            assert got == "null", (k, got)
        elif isinstance(want, int):
            assert int(got) == want, (k, got, want)
        else:
            assert float(got) == want, (k, got, want)


def png_not_blank(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat = 8, b""
    while pos < len(data):
        n = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(idat)
    # a blank page is one colour: rows of the same few (filtered) bytes
    return len(set(raw)) > 40


def chromium(html, png, pdf):
    base = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    url = "file://" + html
    r1 = subprocess.run(base + ["--screenshot=" + png, "--window-size=1280,4000", url],
                        capture_output=True, timeout=60)
    r2 = subprocess.run(base + ["--print-to-pdf=" + pdf, "--no-pdf-header-footer", url],
                        capture_output=True, timeout=60)
    assert r1.returncode == 0, r1.stderr[-2000:]
    assert r2.returncode == 0, r2.stderr[-2000:]
    assert os.path.getsize(png) > 10000 and os.path.getsize(pdf) > 10000
    assert png_not_blank(png), png + " is blank"
    with open(pdf, "rb") as f:
        body = f.read()
    pages = body.count(b"/Type /Page") - body.count(b"/Type /Pages")
    # summary, project, model, baseline, reporting, savings, coverage and
    # chain (with the method) each start a page
    assert pages >= 8, "%s has %d pages" % (pdf, pages)
    return pages


def half_width_beside_chinese(text):
    """Half-width punctuation next to a Chinese character: full-width is right
    there (："，（） and 、 for lists)."""
    cjk = lambda c: "\u3400" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef"  # noqa: E731
    bad = []
    for i, c in enumerate(text):
        if c in ":;,()!?" and ((i > 0 and cjk(text[i - 1])) or (i + 1 < len(text) and cjk(text[i + 1]))):
            bad.append(text[max(0, i - 8):i + 8])
    return bad


def fingerprints_on_one_line(html, expect):
    """Lays the report out in Chromium at a narrow width (so long lines wrap) and
    returns each key fingerprint span's text with the number of line boxes it
    takes: a fingerprint split over two lines reads as another one."""
    probe = html + ".probe.html"
    with open(html, encoding="utf-8") as f:
        page = f.read()
    script = ("<script>document.body.setAttribute('data-fp', JSON.stringify("
              "Array.from(document.querySelectorAll('.fp')).map("
              "e => [e.textContent, e.getClientRects().length])));</script>")
    with open(probe, "w", encoding="utf-8") as f:
        f.write(page.replace("</body>", script + "</body>"))
    r = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--window-size=360,2000", "--dump-dom", "file://" + probe],
                       capture_output=True, timeout=60, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    m = re.search(r'data-fp="([^"]*)"', r.stdout)
    assert m, r.stdout[:500]
    spans = json.loads(m.group(1).replace("&quot;", '"'))
    texts = [t for t, _ in spans]
    assert expect in texts, (expect, texts)
    for t, lines in spans:
        assert re.fullmatch(r"[0-9a-f]{32}", t), t
        assert lines == 1, "fingerprint %s laid out on %d lines" % (t, lines)
    return len(spans)


def test_report():
    with T.TempDir() as d:
        anchor = time.time()
        sim = T.plant_sim("compressor", 9)
        try:
            cfg = T.fast_gateway_config("compressor", sim.port, d, PROJECT2)
            # the supply meter's accuracy and calibration, which the report states
            with open(cfg) as f:
                text = f.read()
            dev = '{ name = "comp_power"; bus = "sim";'
            assert dev in text
            with open(cfg, "w") as f:
                f.write(text.replace(dev, dev + ' accuracy_class = "0.5S"; calibration_date = "2025-03-01";', 1))
            gw = T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name="mvgated")
            switched = early = paused = resumed = False
            while plant_s(anchor) < ORIGIN_S + 3.5 * 3600:
                gw.pump(0.02)
                if not early and plant_s(anchor) >= ORIGIN_S + 1.0 * 3600:
                    # during the baseline: no model yet, the report still renders
                    r = report(cfg, "--format", "json")
                    assert r.returncode == 0, r.stderr
                    doc = json.loads(r.stdout)
                    assert [x["model"] for x in doc["streams"]] == [None, None] and doc["model"]["version"] is None
                    assert not any(k.startswith("savings.") for k in doc["figures"]), doc["figures"].keys()
                    h = report(cfg, "--out", os.path.join(d, "early.html"))
                    assert h.returncode == 0, h.stderr
                    with open(os.path.join(d, "early.html"), encoding="utf-8") as f:
                        assert "No model yet" in f.read()
                    early = True
                if not switched and plant_s(anchor) >= ORIGIN_S + 2 * 3600:
                    assert sim.control("phase retrofit").startswith("ok")
                    switched = True
                # the meters stop answering for a while (SIGSTOP): the reporting
                # intervals they span are recorded but not counted, and listed
                if not paused and plant_s(anchor) >= ORIGIN_S + 2.5 * 3600:
                    os.kill(sim.proc.p.pid, signal.SIGSTOP)
                    paused = True
                if paused and not resumed and plant_s(anchor) >= ORIGIN_S + 2.75 * 3600:
                    os.kill(sim.proc.p.pid, signal.SIGCONT)
                    resumed = True
            time.sleep(1)
            assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        finally:
            os.kill(sim.proc.p.pid, signal.SIGCONT)
            sim.stop()
        assert early

        recs = [x["record"] for x in export(cfg)]
        rep = [x for x in recs if x["phase"] == "reporting"]
        assert len(rep) >= 10, len(rep)
        lasts = {x["name"]: x["cumulative"] for x in recs[-1]["streams"]}
        last = lasts["electricity"]

        # ---- the whole record: JSON, its schema, and the engine's cumulative block
        r = report(cfg, "--format", "json", "--out", os.path.join(d, "r.json"))
        assert r.returncode == 0, r.stderr
        with open(os.path.join(d, "r.json")) as f:
            doc = json.load(f)
        with open(os.path.join(T.SRC, "docs", "schemas", "report.schema.json")) as f:
            jsonschema.validate(doc, json.load(f))
        fig = doc["figures"]
        assert [x["name"] for x in doc["streams"]] == list(STREAMS)
        # the IPMVP frame, the configuration's hash and the definition version (issue 17)
        with open(cfg, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        prj = doc["project"]
        assert prj["ipmvp_option"] == "B" and prj["measurement_boundary"] == "compressor 1 and its dryer", prj
        assert prj["config_sha256"] == sha and prj["definition_version"] == 1, prj
        meter = {m["channel"]: m for m in doc["meters"]}["comp_power.energy_kwh"]
        assert meter["accuracy_class"] == "0.5S" and meter["calibration_date"] == "2025-03-01", meter
        assert doc["streams"][1]["model"]["coefficients"] == ["b0", "b1", "b2"]
        # every reporting interval not counted is listed with why; counted + listed
        # = expected (issue 17: a coverage of 99 % hid two intervals left out)
        for si, st in enumerate(doc["streams"]):
            name = st["name"]
            ex = st["excluded"]
            uncounted = [x for x in rep if x["streams"][si]["adjusted_baseline"] is None]
            print("excluded %s: %d listed, %d uncounted records" % (name, len(ex), len(uncounted)))
            assert any(x["why"] == "low_coverage" for x in ex), ex
            assert fig["coverage.%s.intervals_used" % name]["value"] == fig["savings.%s.m" % name]["value"]
            assert (fig["coverage.%s.intervals_expected" % name]["value"]
                    == fig["coverage.%s.intervals_used" % name]["value"] + sum(x["intervals"] for x in ex))
            listed = {x["start"] for x in ex if x["why"] != "missing"}
            assert listed == {x["start"].replace(".000Z", "Z") for x in uncounted} or \
                listed == {x["start"] for x in uncounted}, (listed, [x["start"] for x in uncounted])
        # the figures are the signed record's own, to the last digit (issue 17: the
        # report once summed the records again and differed in the last digits)
        for name, cum in lasts.items():
            for k, c in CUMULATIVE_KEYS.items():
                key = "savings.%s.%s" % (name, k)
                assert fig[key]["value"] == cum[c], (key, fig[key], cum[c])
            for k in ("kwh", "tj", "co2_t", "cost_hkd"):
                assert fig["savings.%s.%s" % (name, k)]["value"] == cum["converted"][k], (name, k)
                assert fig["annual.%s.%s" % (name, k)]["value"] == cum["annual_converted"][k], (name, k)
            assert fig["annual.%s.savings" % name]["value"] == cum["annual_savings"]
            # the savings' interval carried through the conversions (issue 17):
            # the record's bounds of the avoided use plus the adjustments, by the
            # same factors; per year the annual figure times 1 -+ FSU
            co2, tariff = STREAMS[name]
            lo, hi = cum["savings_low"] + cum["adjustment"], cum["savings_high"] + cum["adjustment"]
            alo, ahi = cum["annual_savings"] * (1 - cum["fsu"]), cum["annual_savings"] * (1 + cum["fsu"])
            assert lo < cum["savings"] < hi and alo < cum["annual_savings"] < ahi, (lo, hi, alo, ahi)
            for sec, b, v in (("savings", "low", lo), ("savings", "high", hi), ("annual", "low", alo), ("annual", "high", ahi)):
                assert fig["%s.%s.savings.%s" % (sec, name, b)]["value"] == v, (sec, name, b)
                assert fig["%s.%s.kwh.%s" % (sec, name, b)]["value"] == v
                assert close(fig["%s.%s.tj.%s" % (sec, name, b)]["value"], v * 3.6e-6)
                assert close(fig["%s.%s.co2_t.%s" % (sec, name, b)]["value"], v * co2 / 1000)
                assert close(fig["%s.%s.cost_hkd.%s" % (sec, name, b)]["value"], v * tariff)
                assert fig["%s.%s.co2_t.%s" % (sec, name, b)]["unit"] == "t"
        assert fig["savings.electricity.kwh"]["unit"] == "kWh" and fig["savings.electricity.tj"]["unit"] == "TJ"
        # the chain holds the interval records, the model record and the one
        # definition (no reload changed it); the export's signed heads sit
        # between them, not in the chain
        chained = [e for e in export(cfg, "chain") if e["kind"] != "head"]
        assert len(chained) == len(recs) + len(export(cfg, "models")) + 1, len(chained)
        assert [c["kind"] for c in chained].count("definition") == 1, chained[0]
        assert doc["chain"]["ok"] and doc["chain"]["records"] == len(chained)
        # no register given: the result is the gateway's own word, and says so
        assert doc["chain"]["attestation"] == "self-attested", doc["chain"]
        assert doc["chain"]["trust"].startswith("self-attested: "), doc["chain"]
        register = T.enrol(cfg, os.path.join(d, "register.txt"))
        assert doc["chain"]["line"].startswith(
            "OK: %d records (%d interval, %d model, 0 key rotation, 1 definition)" % (
                len(chained), len(recs), len(chained) - len(recs) - 1)), doc["chain"]
        assert fig["chain.records"]["value"] == len(chained)
        assert fig["periods.reporting.records"]["value"] == len(rep)
        assert len(doc["series"]["electricity"]) == len(recs) == len(doc["series"]["elec_2x"])
        models = export(cfg, "models")
        for ms in models[-1]["record"]["streams"]:
            m, name = ms["model"], ms["name"]
            for j, c in enumerate(m["coefficients"]):
                assert close(fig["model.%s.b%d" % (name, j)]["value"], c)
                assert close(fig["model.%s.b%d.se" % (name, j)]["value"], m["std_errors"][j])
                assert close(fig["model.%s.b%d.t" % (name, j)]["value"], m["t_stats"][j])
            assert close(fig["model.%s.cv_rmse" % name]["value"], m["cv_rmse"])
            assert close(fig["model.%s.nmbe" % name]["value"], m["nmbe"], 1e-9)
            assert fig["model.%s.n" % name]["value"] == m["n"]
            assert fig["model.%s.pass" % name]["value"] == int(m["ashrae14"]["pass"])
            # the screening of the fit (model/2), and the window's extrapolated intervals
            z = ms["screening"]
            assert fig["model.%s.outliers" % name]["value"] == z["outliers"], (name, z)
            assert fig["model.%s.outliers_excluded" % name]["value"] == z["excluded"] == 0, (name, z)
            assert fig["savings.%s.extrapolated" % name]["value"] == lasts[name]["m_extrapolated"], name
            # listed one by one with their x (issue 17 item 1)
            si = [x["name"] for x in doc["streams"]].index(name)
            st = doc["streams"][si]
            want = [(x["start"], x["streams"][si]["x"]) for x in rep
                    if x["streams"][si]["extrapolated"] and x["streams"][si]["adjusted_baseline"] is not None]
            got = [(x["start"], x["x"]) for x in st["extrapolated_intervals"]]
            assert [x for _, x in got] == [x for _, x in want], (name, got, want)
            assert len(got) == lasts[name]["m_extrapolated"], (name, len(got))
            # baseline conditions: each x's range as the model record states it,
            # and the valid baseline intervals of the store (issue 17)
            assert len(z["range"]) == len(m["x"]) >= 1, z
            for j, rg in enumerate(z["range"]):
                assert fig["baseline.%s.x%d.min" % (name, j + 1)]["value"] == rg["min"], (name, rg)
                assert fig["baseline.%s.x%d.max" % (name, j + 1)]["value"] == rg["max"], (name, rg)
                assert rg["min"] < rg["max"], rg
            assert fig["baseline.%s.range_margin" % name]["value"] == z["range_margin"] == 0
            si = list(STREAMS).index(name)
            base_valid = sum(1 for x in recs if x["phase"] == "baseline" and x["streams"][si]["valid"])
            assert fig["baseline.%s.intervals" % name]["value"] == base_valid >= 20, base_valid
            assert close(fig["baseline.%s.hours" % name]["value"], base_valid * 5 / 60)
            # the thresholds beside the verdict, with the engine's source for hourly rows
            assert fig["model.%s.max_cv_rmse" % name]["value"] == 0.30
            assert fig["model.%s.max_abs_nmbe" % name]["value"] == 0.10
        for st in doc["streams"]:
            assert st["thresholds_source"] == "ASHRAE Guideline 14-2014, section 4.3.2.4", st
        # coefficient units: per interval for the intercept, per unit of each x
        # (the flow a counter of m3, the pressure a gauge in bar)
        assert fig["model.electricity.b0"]["unit"] == "kWh/(5 min)"
        assert fig["model.electricity.b1"]["unit"] == fig["model.electricity.b1.se"]["unit"] == "kWh/m3"
        assert fig["model.elec_2x.b2"]["unit"] == "kWh/(5 min\u00b7bar)"
        assert fig["baseline.elec_2x.x2.min"]["unit"] == "bar"
        # every factor as the definition record publishes it: value, unit, source, default
        defn = [e["record"] for e in export(cfg, "chain") if e["kind"] == "definition"][-1]
        for si, st in enumerate(doc["streams"]):
            published = defn["streams"][si]["factors"]
            assert [(f["name"], f["unit"], f["source"], f["defaulted"]) for f in st["factors"]] == \
                [(f["name"], f["unit"], f["source"], f["defaulted"]) for f in published], (st["factors"], published)
            for f in published:
                assert fig["factors.%s.%s" % (st["name"], f["name"])]["value"] == f["value"], f
            co2, tariff = STREAMS[st["name"]]
            assert fig["factors.%s.co2_kg_per_unit" % st["name"]]["value"] == co2
            assert fig["factors.%s.cost_per_unit" % st["name"]]["value"] == tariff
            by = {f["name"]: f for f in st["factors"]}
            assert by["co2_kg_per_unit"]["source"] == "configuration" and not by["co2_kg_per_unit"]["defaulted"]
            assert by["tj_per_kwh"]["defaulted"] and by["tj_per_kwh"]["source"] == "definition (1 kWh = 3.6 MJ)"

        # ---- CSV: the same figures as rows, and the interval series
        r = report(cfg, "--format", "csv")
        assert r.returncode == 0, r.stderr
        rows = list(csv.reader(io.StringIO(r.stdout, newline="")))
        assert rows[0] == ["section", "key", "value", "unit"]
        assert all(len(x) == 4 for x in rows), [x for x in rows if len(x) != 4][:3]
        seen = set()
        for section, key, value, unit in rows[1:]:
            if key in fig:
                f = fig[key]
                seen.add(key)
                assert section == f["section"] and unit == f["unit"], (key, section, unit)
                if f["value"] is None:
                    assert value == "", key
                else:
                    assert float(value) == f["value"], (key, value, f["value"])
        assert seen == set(fig), set(fig) - seen
        series = [x for x in rows if x[0] == "interval" and x[1].endswith(".actual")]
        assert len(series) == 2 * len(recs)

        # ---- HTML en and zh-Hant, rendered by Chromium
        pages = {}
        for lang in ("en", "zh-Hant"):
            html = os.path.join(d, "report-%s.html" % lang)
            r = report(cfg, "--lang", lang, "--out", html, "--enrolled", register)
            assert r.returncode == 0, r.stderr
            p = parse_html(html)
            assert p.lang == lang
            check_cells(p, fig)
            for k in ("savings.electricity.kwh", "savings.electricity.tj", "savings.electricity.co2_t",
                      "savings.electricity.cost_hkd", "savings.electricity.fsu", "savings.electricity.fraction",
                      "annual.electricity.kwh", "model.electricity.b0", "model.electricity.r2",
                      "model.electricity.cv_rmse", "model.electricity.nmbe", "chain.records",
                      "coverage.electricity.baseline"):
                assert k in p.cells, k
            text = "".join(p.text)
            assert doc["chain"]["fingerprint"] in text
            with open(html, encoding="utf-8") as f:
                raw = f.read()
            assert raw.count("<svg") == 9, raw.count("<svg")  # 4 per stream, 1 for coverage
            # charts: the reporting intervals not counted shaded (spans that run on
            # merged), the counted ones with an x outside the baseline's range
            # marked; each in the legend only when there is one (issue 17 item 3)
            sec = raw[raw.index('<section id="reporting">'):]
            sec = sec[:sec.index("</section>")]
            svgs = re.findall(r"<svg.*?</svg>", sec, re.S)
            assert len(svgs) == 4, len(svgs)
            for si, st in enumerate(doc["streams"]):
                ts = svgs[2 * si]
                spans = re.findall(r'<g fill="#777" fill-opacity="0.18">(.*?)</g>', ts)
                n_rects = spans[0].count("<rect") if spans else 0
                assert 1 <= n_rects <= len(st["excluded"]), (n_rects, st["excluded"])
                assert (T_GAP[lang] in ts) == (n_rects > 0)
                want_x = sum(1 for x in rep if x["streams"][si]["extrapolated"] and
                             x["streams"][si]["adjusted_baseline"] is not None)
                marks = re.findall(r'<g fill="#b00">(.*?)</g>', ts)
                assert (marks[0].count("<circle") if marks else 0) == want_x, (st["name"], want_x)
                assert (T_EXTRAP[lang] in ts) == (want_x > 0)
                print("chart %s: %d gap spans, %d extrapolated marks" % (st["name"], n_rects, want_x))
            cov = raw[raw.index('<section id="coverage">'):]
            cov = cov[:cov.index("</section>")]
            n_x = sum(len(x["extrapolated_intervals"]) for x in doc["streams"])
            assert cov.count('<tr data-extrap="1">') == min(n_x, 60 * len(doc["streams"])), (n_x, lang)
            # the factor table: one row per factor, the defaulted ones marked
            assert raw.count("<tr data-factor=") == sum(len(x["factors"]) for x in doc["streams"]) == 8
            assert raw.count('class="dflt"') == sum(f["defaulted"] for x in doc["streams"] for f in x["factors"]) == 4
            n_excl = sum(len(x["excluded"]) for x in doc["streams"])
            assert raw.count('<tr data-excl="') == n_excl > 0, (raw.count('<tr data-excl="'), n_excl)
            assert "http://" not in raw.replace('xmlns="http://www.w3.org/2000/svg"', "")
            assert "https://" not in raw and "@import" not in raw and "url(" not in raw
            if lang == "zh-Hant":
                for word in ("量度及核證報告", "基準期", "報告期", "節省量", "不確定性", "核證", "碳排放", "基準模型",
                             "基準期狀況", "換算系數", "門檻來源每小時數據：ASHRAE Guideline 14-2014 第 4.3.2.4 節", "已按地點設定"):
                    assert word in text, word
                assert "Baseline period" not in text and "Savings" not in text
                assert half_width_beside_chinese(text) == [], half_width_beside_chinese(text)
                # the chain's result and the attestation in words, not the check's English
                assert "核證通過：共" in text and "records (" not in text, text
                assert "已登記：網關" in text and "as enrolled" not in text, text
                # the built-in factors' sources in Chinese too, not the engine's English
                assert "定義（1 kWh = 3.6 MJ）" in text and "definition (1 kWh" not in text
                assert "unit conversion of" not in text
                for mainland in ("密鑰", "自變量", "生產成本", "測量和驗證", "國際節能效果"):
                    assert mainland not in raw, mainland
            else:
                assert "Measurement and verification report" in text and "The chain holds" in text
                # the model's fit time beside the baseline's end, not alone (issue 17)
                assert "Baseline period ends" in text and "Fitted and frozen at" in text
                assert "compressor 1 and its dryer" in text and sha in text and "0.5S" in text
                assert "SELF-ATTESTED" not in text
                assert "Baseline conditions" in text and "Conversion factors" in text
                # the method names the factor table, not a file of the repository (issue 17)
                assert "sources under Conversion factors" in text and "docs/conversions.md" not in text
                assert "hourly data: ASHRAE Guideline 14-2014, section 4.3.2.4" in text
            pages[lang] = chromium(html, os.path.join(d, lang + ".png"), os.path.join(d, lang + ".pdf"))
            # the banner, the result line, both key rows and the attestation name it
            assert fingerprints_on_one_line(html, doc["chain"]["fingerprint"]) >= 4

        # ---- without the register the page says the result is self-attested
        html = os.path.join(d, "report-self.html")
        assert report(cfg, "--out", html).returncode == 0
        text = "".join(parse_html(html).text)
        assert "SELF-ATTESTED" in text and "The chain holds" not in text, text[:2000]

        # ---- a window that cuts the reporting period
        lo, hi = DAY + "02:45:00Z", DAY + "03:15:00Z"
        win = [x for x in rep if lo <= x["start"].replace(".000Z", "Z") < hi]
        assert 3 <= len(win) < len(rep), len(win)
        r = report(cfg, "--format", "json", "--from", lo, "--to", hi)
        assert r.returncode == 0, r.stderr
        wdoc = json.loads(r.stdout)
        wf = {k: v["value"] for k, v in wdoc["figures"].items()}
        for si, (name, (co2, tariff)) in enumerate(STREAMS.items()):
            ws = [x["streams"][si] for x in win]
            assert all(x["name"] == name for x in ws)
            used = [x for x in ws if x["adjusted_baseline"] is not None]
            S = lambda k: wf["savings.%s.%s" % (name, k)]  # noqa: E731
            assert S("m") == len(used)
            base = sum(x["adjusted_baseline"] for x in used)
            act = sum(x["actual"] for x in used)
            adj = sum(x["adjustment"] for x in ws)
            assert close(S("adjusted_baseline"), base)
            assert close(S("actual"), act)
            assert close(S("savings"), base - act + adj)
            assert close(S("fraction"), (base - act) / base)
            assert close(S("kwh"), base - act + adj)
            assert close(S("cost_hkd"), (base - act + adj) * tariff)
            assert close(S("co2_t"), (base - act + adj) * co2 / 1000)
            hours = len(used) * 5 / 60
            assert close(S("hours"), hours)
            # normalised: the window's savings fraction applied to the model over
            # the baseline year (the whole baseline, whatever the window), never
            # the window's savings x 8760 / its hours
            cum = lasts[name]
            assert close(wf["annual.%s.savings" % name], (base - act) / base * cum["annual_baseline"])
            assert not close(wf["annual.%s.savings" % name], (base - act + adj) * 8760 / hours)
            # FSU = K / (sqrt(m) |F|) with K fixed by the model: scale the full period's
            want_fsu = cum["fsu"] * math.sqrt(cum["m"] / len(used)) * abs(cum["savings_fraction"]) / abs((base - act) / base)
            assert close(S("fsu"), want_fsu, 1e-9), (name, S("fsu"), want_fsu)
            assert close(S("low"), (base - act) * (1 - want_fsu), 1e-9)
            assert close(S("high"), (base - act) * (1 + want_fsu), 1e-9)
            assert close(S("co2_t.low"), ((base - act) * (1 - want_fsu) + adj) * co2 / 1000, 1e-9)
            assert close(S("cost_hkd.high"), ((base - act) * (1 + want_fsu) + adj) * tariff, 1e-9)
            assert close(wf["annual.%s.co2_t.high" % name], wf["annual.%s.savings" % name] * (1 + want_fsu) * co2 / 1000, 1e-9)
        for k in ("savings.electricity.savings", "savings.electricity.m", "savings.electricity.fsu"):
            assert wf[k] != fig[k]["value"], k
        assert wf["model.electricity.b1"] == fig["model.electricity.b1"]["value"]
        assert len(wdoc["series"]["electricity"]) == len([x for x in recs if lo <= x["start"].replace(".000Z", "Z") < hi])
        whtml = os.path.join(d, "window.html")
        r = report(cfg, "--from", lo, "--to", hi, "--out", whtml)
        assert r.returncode == 0, r.stderr
        check_cells(parse_html(whtml), wdoc["figures"])

        # ---- bad input: exit 2, no file written
        os.mkdir(os.path.join(d, "adir"))
        listing = sorted(os.listdir(d))
        bad = [
            ["--format", "pdf"],
            ["--lang", "fr"],
            ["--from", "yesterday"],
            ["--from", "2030-01-01T00:00:00Z"],            # empty window
            ["--from", hi, "--to", lo],                      # reversed
            ["--out", os.path.join(d, "no", "such", "dir", "r.html")],
            ["--out", os.path.join(d, "adir")],              # a directory
        ]
        for extra in bad:
            r = report(cfg, *extra)
            assert r.returncode == 2, (extra, r.returncode, r.stderr)
            assert r.stderr.startswith("mvgate report: ") or "usage" in r.stderr, r.stderr
            assert sorted(os.listdir(d)) == listing, (extra, set(os.listdir(d)) ^ set(listing))
        r = T.run([T.binary("mvgate"), "report", "-c", cfg, "--project", "nope"])
        assert r.returncode == 2 and "no project 'nope'" in r.stderr, r.stderr
        assert "cannot" in report(cfg, "--out", os.path.join(d, "no", "r.html")).stderr

        # ---- a meter point another project counts too: the report names it
        # (issue 17 item 6), as `mvgate check` warns of it
        with open(cfg) as f:
            text = f.read()
        end = text.rindex("\n);")
        dup = (text[:end] + ',\n  { name = "dup"; interval_min = 5;\n'
               '    baseline = { start = "2026-01-01"; end = "2026-01-02"; };\n'
               '    reporting = { start = "2026-01-02"; };\n'
               '    streams = ( { name = "el"; type = "electricity"; unit = "kWh";'
               ' actual = "comp_power.energy_kwh"; model = { type = "mean"; }; } ); }' + text[end:])
        cfg_dup = T.write(os.path.join(d, "dup.conf"), dup)
        r = T.run([T.binary("mvgate"), "report", "-c", cfg_dup, "--project", "comp-vsd", "--format", "json"])
        assert r.returncode == 0, r.stderr
        meters = {m["channel"]: m for m in json.loads(r.stdout)["meters"]}
        assert meters["comp_power.energy_kwh"]["also_counted_by"] == "dup", meters
        assert all(m["also_counted_by"] == "" for c, m in meters.items() if c != "comp_power.energy_kwh"), meters
        assert all(m["also_counted_by"] == "" for m in doc["meters"]), doc["meters"]
        r = T.run([T.binary("mvgate"), "report", "-c", cfg_dup, "--project", "comp-vsd", "--lang", "zh-Hant",
                   "--out", os.path.join(d, "dup.html")])
        assert r.returncode == 0, r.stderr
        with open(os.path.join(d, "dup.html"), encoding="utf-8") as f:
            raw_dup = f.read()
        assert raw_dup.count('data-double-count="1"') == 1 and "重複申報" in raw_dup, raw_dup[:500]

        # ---- a tampered record: the report still renders, says so, exits 1
        db = sqlite3.connect(os.path.join(d, "mvgate.db"))
        seq = rep[-3]["seq"]
        (payload,) = db.execute("SELECT payload FROM intervals WHERE project=? AND seq=?",
                                ("comp-vsd", seq)).fetchone()
        rec = json.loads(payload.decode() if isinstance(payload, bytes) else payload)
        rec["streams"][0]["actual"] = rec["streams"][0]["actual"] * 0.5
        db.execute("UPDATE intervals SET payload=? WHERE project=? AND seq=?",
                   (json.dumps(rec, separators=(",", ":")), "comp-vsd", seq))
        db.commit()
        db.close()
        bad_html = os.path.join(d, "tampered.html")
        r = report(cfg, "--out", bad_html)
        assert r.returncode == 1, (r.returncode, r.stderr)
        assert "does NOT hold" in r.stderr, r.stderr
        p = parse_html(bad_html)
        text = "".join(p.text)
        assert "THE CHAIN DOES NOT HOLD" in text and "seq %d" % seq in text, text[:3000]
        assert p.cells["chain.ok"] == ["0"]
        r = report(cfg, "--format", "json")
        assert r.returncode == 1 and json.loads(r.stdout)["chain"]["ok"] is False
        print("pdf pages: en %d, zh-Hant %d; window %d of %d reporting records" %
              (pages["en"], pages["zh-Hant"], len(win), len(rep)))


VOC_PROJECT = """
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
        model = { type = "auto"; x = [ "exhaust.fan_kw:mean" ]; }; co2_kg_per_unit = 0.39; cost_per_unit = 1.2;
        accuracy_pct = 1.0; }
    ); }
);
"""


def test_report_voc():
    """The VOC plant: a VOC stream modelled against its inlet load (the
    old unit's outlet emission is its baseline) next to a fan with a mean
    model and a 1 % meter, whose accuracy the report combines into the FSU
    as the daemon's records do (the figures must agree); the removal is not
    the saving."""
    with T.TempDir() as d:
        anchor = time.time()
        sim = T.plant_sim("voc", 4)
        try:
            cfg = T.fast_gateway_config("voc", sim.port, d, VOC_PROJECT)
            gw = T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name="mvgated")
            switched = False
            while plant_s(anchor) < ORIGIN_S + 1.75 * 3600:
                gw.pump(0.02)
                if not switched and plant_s(anchor) >= ORIGIN_S + 3600:
                    assert sim.control("phase retrofit").startswith("ok")
                    switched = True
            time.sleep(1)
            assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        finally:
            sim.stop()
        recs = [x["record"] for x in export(cfg)]
        lasts = {x["name"]: x["cumulative"] for x in recs[-1]["streams"]}
        run = lambda *a: T.run([T.binary("mvgate"), "report", "-c", cfg, "--project", "voc-rto"] + list(a))  # noqa: E731
        r = run("--format", "json")
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        with open(os.path.join(T.SRC, "docs", "schemas", "report.schema.json")) as f:
            jsonschema.validate(doc, json.load(f))
        st = {x["name"]: x for x in doc["streams"]}
        assert st["voc"]["baseline"] == "model" and st["voc"]["model"]["form"] == "linear"
        assert st["fan"]["baseline"] == "model"
        # an auto fit shows its candidates as the model record lists them (issue 17)
        models = [x["record"] for x in export(cfg, "models")]
        rec_cands = next(s for s in models[-1]["streams"] if s["name"] == "fan")["candidates"]
        assert st["fan"]["candidates"] == rec_cands, (st["fan"]["candidates"], rec_cands)
        assert [c["model"] for c in rec_cands if c["chosen"]] == [st["fan"]["model"]["form"]], rec_cands
        assert {c["model"] for c in rec_cands} >= {"mean", "linear", "3pc", "5p"}, rec_cands
        assert all(c["why"] for c in rec_cands if not c["qualified"]), rec_cands
        assert st["voc"]["candidates"] == [], st["voc"]
        fig = {k: v["value"] for k, v in doc["figures"].items()}
        for name, cum in lasts.items():
            for k, c in CUMULATIVE_KEYS.items():
                key = "savings.%s.%s" % (name, k)
                want = cum[c]
                assert (fig[key] is None and want is None) or close(fig[key], want), (key, fig[key], want)
            assert close(fig["annual.%s.savings" % name], cum["annual_savings"])
        assert fig["savings.voc.fsu"] is not None and fig["savings.fan.fsu"] is not None
        assert lasts["voc"]["removal"] > lasts["voc"]["savings"] > 0, lasts["voc"]
        assert close(fig["savings.voc.pollutant_kg"], lasts["voc"]["converted"]["pollutant_kg"])
        # tonnes beside kilograms, as the records write them, and their bounds (issue 17)
        assert fig["savings.voc.pollutant_t"] == lasts["voc"]["converted"]["pollutant_t"] == \
            fig["savings.voc.pollutant_kg"] / 1000, (fig["savings.voc.pollutant_t"], lasts["voc"]["converted"])
        assert doc["figures"]["savings.voc.pollutant_t"]["unit"] == "t"
        assert close(fig["annual.voc.pollutant_t"], lasts["voc"]["annual_converted"]["pollutant_t"])
        assert fig["savings.voc.pollutant_t.low"] < fig["savings.voc.pollutant_t"] < fig["savings.voc.pollutant_t.high"]
        assert "savings.voc.kwh" not in fig and "savings.fan.kwh" in fig
        assert any(k.startswith("model.voc.") for k in fig)
        # each point says what it is used as: a VOC unit's inlet and outlet are not
        # "measured use" (issue 17)
        roles = {m["channel"]: m["used_as"] for m in doc["meters"]}
        print("voc report roles:", roles)
        assert "inlet_concentration" in roles.values() and "outlet_concentration" in roles.values(), roles
        assert "outlet_flow" in roles.values() or "inlet_flow" in roles.values(), roles
        html = os.path.join(d, "voc.html")
        r = run("--lang", "zh-Hant", "--out", html)
        assert r.returncode == 0, r.stderr
        p = parse_html(html)
        check_cells(p, doc["figures"])
        text = "".join(p.text)
        assert "揮發性有機化合物" in text, text[:2000]
        assert "自動擬合的候選模型" in text and "選用" in text, text[:2000]
        assert "入口濃度" in text and "出口濃度（排放）" in text, text
        assert half_width_beside_chinese(text) == [], half_width_beside_chinese(text)


if __name__ == "__main__":
    if not shutil.which("chromium"):
        print("chromium is not installed (tools/install-deps.sh)")
        sys.exit(1)
    T.main([test_report, test_report_voc])
