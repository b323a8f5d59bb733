#!/usr/bin/python3
"""Integration test of `mvgate fit` and `mvgate savings`: writes CSVs, runs
the CLI, and compares its JSON with an independent computation here (closed
form simple linear regression and the direct formulas of the statistics, no
numpy), then computes savings with the saved model. Every bad input must
exit 2 with a message naming the row or column."""

import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvgtest  # noqa: E402

MVGATE = mvgtest.binary("mvgate")


def lcg(seed):
    s = seed
    while True:
        s = (s * 1103515245 + 12345) & 0x7FFFFFFF
        yield 2.0 * s / 2147483647.0 - 1.0


def write_csv(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\r\n")
        for r in rows:
            f.write(",".join(str(v) for v in r) + "\r\n")
    return path


def fit(args):
    r = mvgtest.run([MVGATE, "fit"] + args)
    return r


def close(a, b, rel=1e-9, abs_=1e-12):
    return abs(a - b) <= max(rel * abs(b), abs_)


def check(name, got, want, rel=1e-9, abs_=1e-12):
    if not close(got, want, rel, abs_):
        raise AssertionError("%s: got %r, want %r" % (name, got, want))


def simple_regression(x, y):
    n = len(x)
    xb, yb = sum(x) / n, sum(y) / n
    sxx = sum((a - xb) ** 2 for a in x)
    sxy = sum((a - xb) * (b - yb) for a, b in zip(x, y))
    syy = sum((b - yb) ** 2 for b in y)
    b1 = sxy / sxx
    b0 = yb - b1 * xb
    e = [b - (b0 + b1 * a) for a, b in zip(x, y)]
    sse = sum(v * v for v in e)
    p = 2
    s = math.sqrt(sse / (n - p))
    return {
        "b0": b0, "b1": b1,
        "se0": s * math.sqrt(1.0 / n + xb * xb / sxx), "se1": s / math.sqrt(sxx),
        "r2": 1 - sse / syy, "adj_r2": 1 - (sse / syy) * (n - 1) / (n - p),
        "rmse": s, "cv": s / yb, "nmbe": sum(e) / ((n - p) * yb),
        "rho": sum(e[i] * e[i - 1] for i in range(1, n)) / sse,
    }


def linear_data(n=60, seed=3):
    g = lcg(seed)
    x = [10 + (i * 7) % 41 for i in range(n)]
    y = [round(120 + 4.5 * a + 6 * next(g), 6) for a in x]
    return x, y


def test_linear_json():
    x, y = linear_data()
    with mvgtest.TempDir() as d:
        csv = write_csv(os.path.join(d, "base.csv"), ["timestamp", "kwh", "prod"],
                        [("2024-01-01T%02d:%02d:00Z" % (i // 4 % 24, 15 * (i % 4)), b, a)
                         for i, (a, b) in enumerate(zip(x, y))])
        r = fit(["--model", "linear", "--csv", csv, "--y", "kwh", "--x", "prod", "--json"])
        assert r.returncode == 0, r.stderr
        j = json.loads(r.stdout)
        w = simple_regression(x, y)
        assert j["model"] == "linear" and j["x"] == ["prod"]
        assert j["n"] == 60 and j["p"] == 2 and j["change_points"] == []
        check("b0", j["coefficients"][0], w["b0"])
        check("b1", j["coefficients"][1], w["b1"])
        check("se0", j["std_errors"][0], w["se0"])
        check("se1", j["std_errors"][1], w["se1"])
        check("t1", j["t_stats"][1], w["b1"] / w["se1"], 1e-8)
        for k, wk in (("r2", "r2"), ("adj_r2", "adj_r2"), ("rmse", "rmse"), ("cv_rmse", "cv"),
                      ("rho", "rho")):
            check(k, j[k], w[wk])
        check("nmbe", j["nmbe"], w["nmbe"], abs_=1e-12)
        assert j["ashrae14"] == {"pass": True, "reasons": []}, j["ashrae14"]
        # the readable table carries the same numbers
        r = fit(["--model", "linear", "--csv", csv, "--y", "kwh", "--x", "prod"])
        assert r.returncode == 0, r.stderr
        assert "ASHRAE Guideline 14 (hourly thresholds): pass" in r.stdout and "b1 (prod)" in r.stdout, r.stdout


def test_intensity_and_verdict():
    x = [float(5 + i % 20) for i in range(40)]
    y = [100 + 0.5 * a for a in x]  # a large intercept: through the origin is biased
    with mvgtest.TempDir() as d:
        csv = write_csv(os.path.join(d, "i.csv"), ["kwh", "air"], list(zip(y, x)))
        r = fit(["--model", "intensity", "--csv", csv, "--y", "kwh", "--x", "air", "--json"])
        assert r.returncode == 0, r.stderr
        j = json.loads(r.stdout)
        b1 = sum(a * b for a, b in zip(x, y)) / sum(a * a for a in x)
        e = [b - b1 * a for a, b in zip(x, y)]
        yb = sum(y) / len(y)
        nmbe = sum(e) / ((len(y) - 1) * yb)
        check("b1", j["coefficients"][0], b1)
        check("nmbe", j["nmbe"], nmbe)
        assert j["ashrae14"]["pass"] is False
        assert "|NMBE| %.3f > 0.10" % abs(nmbe) in j["ashrae14"]["reasons"], j["ashrae14"]


def test_auto_and_savings():
    g = lcg(11)
    temps = [-5 + 40 * ((i * 37) % 200) / 199 for i in range(200)]
    kwh = [50 + 3 * max(t - 18.3, 0) + next(g) for t in temps]
    with mvgtest.TempDir() as d:
        base = write_csv(os.path.join(d, "base.csv"), ["kwh", "temp"], list(zip(kwh, temps)))
        r = fit(["--model", "auto", "--csv", base, "--y", "kwh", "--x", "temp", "--json"])
        assert r.returncode == 0, r.stderr
        j = json.loads(r.stdout)
        assert j["model"] == "3pc", j
        assert abs(j["change_points"][0] - 18.3) < 0.5
        assert [c["model"] for c in j["candidates"]] == ["mean", "linear", "3pc", "3ph", "4p", "5p"]
        best = max(c["adj_r2"] for c in j["candidates"] if c["qualified"])
        check("adj_r2", j["adj_r2"], best)
        model = os.path.join(d, "model.json")
        with open(model, "w") as f:
            f.write(r.stdout)

        # reporting period: 20 % less above the balance point
        rt = [-5 + 40 * ((i * 13) % 50) / 49 for i in range(50)]
        ry = [0.8 * (50 + 3 * max(t - 18.3, 0)) for t in rt]
        rep = write_csv(os.path.join(d, "rep.csv"), ["kwh", "temp"], list(zip(ry, rt)))
        r = mvgtest.run([MVGATE, "savings", "--model", model, "--csv", rep, "--y", "kwh", "--json"])
        assert r.returncode == 0, r.stderr
        s = json.loads(r.stdout)
        b0, b1 = j["coefficients"]
        c = j["change_points"][0]
        adj = sum(b0 + b1 * max(t - c, 0) for t in rt)
        act = sum(ry)
        check("adjusted_baseline", s["adjusted_baseline"], adj)
        check("actual", s["actual"], act)
        check("savings", s["savings"], adj - act)
        F = (adj - act) / adj
        check("savings_fraction", s["savings_fraction"], F)
        assert s["m"] == 50 and s["confidence"] == 0.9
        # t(0.95, df = 197): tables give 1.6526
        assert abs(s["t"] - 1.6526) < 1e-4, s["t"]
        n, rho = j["n"], j["rho"]
        ne = n * (1 - rho) / (1 + rho) if rho > 0 else n
        fsu = s["t"] * 1.26 * j["cv_rmse"] * math.sqrt((n / ne) * (1 + 2 / ne) / 50) / abs(F)
        check("fsu", s["fsu"], fsu)
        check("low", s["savings_low"], (adj - act) * (1 - fsu))
        check("high", s["savings_high"], (adj - act) * (1 + fsu))


def test_timestamps_order_and_coverage():
    # 80 quarter-hours, every 8th missing (coverage 80/91 < 0.90), rows shuffled
    x, y = linear_data(80, seed=9)
    slots = [i for i in range(92) if i % 8 != 3][:80]
    assert len(slots) == 80
    rows = []
    for k, (a, b) in enumerate(zip(x, y)):
        t = slots[k]
        rows.append(("2024-03-01T%02d:%02d:00+08:00" % (t // 4, 15 * (t % 4)), b, a))
    shuffled = [rows[(i * 31) % 80] for i in range(80)]
    with mvgtest.TempDir() as d:
        csv = write_csv(os.path.join(d, "ts.csv"), ["timestamp", "kwh", "prod"], shuffled)
        r = fit(["--model", "linear", "--csv", csv, "--y", "kwh", "--x", "prod", "--json"])
        assert r.returncode == 0, r.stderr
        j = json.loads(r.stdout)
        w = simple_regression(x, y)  # x, y are in time order
        check("rho", j["rho"], w["rho"])
        cov = 80 / (slots[-1] - slots[0] + 1)
        check("coverage", j["coverage"], cov)
        assert "coverage %.3f < 0.90" % cov in j["ashrae14"]["reasons"], j["ashrae14"]
        r = fit(["--model", "linear", "--csv", csv, "--y", "kwh", "--x", "prod"])
        assert "rows sorted by timestamp; step 15 min" in r.stdout, r.stdout
        dup = list(rows)
        dup[5] = (rows[4][0],) + tuple(rows[5][1:])
        csv = write_csv(os.path.join(d, "dup.csv"), ["timestamp", "kwh", "prod"], dup)
        expect_exit2(["fit", "--model", "linear", "--csv", csv, "--y", "kwh", "--x", "prod"],
                     "dup.csv:7: column 'timestamp': the same time as line 6")
        bad = list(rows)
        bad[2] = ("2024-03-01 25:00",) + tuple(rows[2][1:])
        csv = write_csv(os.path.join(d, "badts.csv"), ["timestamp", "kwh", "prod"], bad)
        expect_exit2(["fit", "--model", "linear", "--csv", csv, "--y", "kwh", "--x", "prod"],
                     "badts.csv:4: column 'timestamp'")


def expect_exit2(args, *needles):
    r = mvgtest.run([MVGATE] + args)
    assert r.returncode == 2, (args, r.returncode, r.stdout, r.stderr)
    for nd in needles:
        assert nd in r.stderr, (args, nd, r.stderr)


def test_bad_inputs():
    x, y = linear_data(20)
    with mvgtest.TempDir() as d:
        good = write_csv(os.path.join(d, "good.csv"), ["kwh", "prod"], list(zip(y, x)))
        rows = [list(r) for r in zip(y, x)]
        rows[12][0] = "abc"
        bad = write_csv(os.path.join(d, "bad.csv"), ["kwh", "prod"], rows)
        few = write_csv(os.path.join(d, "few.csv"), ["kwh", "t"], [(1, 2), (2, 3), (4, 5)])
        sing = write_csv(os.path.join(d, "sing.csv"), ["kwh", "a", "b"],
                         [(b, a, 2 * a) for a, b in zip(x, y)])
        const = write_csv(os.path.join(d, "const.csv"), ["kwh", "prod"], [(5, a) for a in x])
        expect_exit2(["fit", "--model", "linear", "--csv", good, "--y", "kwh", "--x", "temp"],
                     "no column 'temp'", "(kwh, prod)")
        expect_exit2(["fit", "--model", "linear", "--csv", bad, "--y", "kwh", "--x", "prod"],
                     "bad.csv:14: column 'kwh': 'abc' is not a number")
        expect_exit2(["fit", "--model", "3pc", "--csv", few, "--y", "kwh", "--x", "t"],
                     "3 rows for 3 parameters")
        expect_exit2(["fit", "--model", "linear", "--csv", sing, "--y", "kwh", "--x", "a", "--x", "b"],
                     "singular design")
        expect_exit2(["fit", "--model", "linear", "--csv", const, "--y", "kwh", "--x", "prod"],
                     "y is constant")
        expect_exit2(["fit", "--model", "6p", "--csv", good, "--y", "kwh"], "unknown --model '6p'")
        expect_exit2(["fit", "--model", "linear", "--csv", good, "--y", "kwh", "--x", "prod",
                      "--confidence", "1.5"], "--confidence")
        expect_exit2(["fit", "--model", "linear", "--csv", os.path.join(d, "none.csv"), "--y", "kwh",
                      "--x", "prod"], "none.csv")

        r = fit(["--model", "linear", "--csv", good, "--y", "kwh", "--x", "prod", "--json"])
        assert r.returncode == 0, r.stderr
        model = json.loads(r.stdout)
        mpath = os.path.join(d, "m.json")
        mvgtest.write(mpath, json.dumps(model))
        expect_exit2(["savings", "--model", mpath, "--csv", bad, "--y", "kwh"],
                     "bad.csv:14: column 'kwh'")
        expect_exit2(["savings", "--model", mpath, "--csv", good, "--y", "kwh", "--x", "a", "--x", "b"],
                     "2 --x columns given")
        broken = dict(model)
        del broken["coefficients"]
        mvgtest.write(mpath, json.dumps(broken))
        expect_exit2(["savings", "--model", mpath, "--csv", good, "--y", "kwh"],
                     "'coefficients' is missing")
        broken = dict(model, coefficients=[1.0])
        mvgtest.write(mpath, json.dumps(broken))
        expect_exit2(["savings", "--model", mpath, "--csv", good, "--y", "kwh"],
                     "'coefficients' has 1 values")
        broken = dict(model, model="7p")
        mvgtest.write(mpath, json.dumps(broken))
        expect_exit2(["savings", "--model", mpath, "--csv", good, "--y", "kwh"], "'7p'")
        mvgtest.write(mpath, "{\"model\": \n")
        expect_exit2(["savings", "--model", mpath, "--csv", good, "--y", "kwh"], "m.json:")


def iso(ms):
    import datetime
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def ols(cols, y):
    """Least squares by the normal equations in exact rationals (no numpy):
    an independent check of the CLI's QR."""
    from fractions import Fraction as Fr
    n, k = len(y), len(cols) + 1
    X = [[Fr(1)] + [Fr(c[i]) for c in cols] for i in range(n)]
    A = [[sum(X[i][a] * X[i][b] for i in range(n)) for b in range(k)] for a in range(k)]
    v = [sum(X[i][a] * Fr(y[i]) for i in range(n)) for a in range(k)]
    for c in range(k):
        p = next(r for r in range(c, k) if A[r][c] != 0)
        A[c], A[p], v[c], v[p] = A[p], A[c], v[p], v[c]
        for r in range(k):
            if r != c and A[r][c] != 0:
                f = A[r][c] / A[c][c]
                A[r] = [a - f * b for a, b in zip(A[r], A[c])]
                v[r] -= f * v[c]
    return [float(v[i] / A[i][i]) for i in range(k)]


T_MON = 1767542400000  # 2026-01-04T16:00Z = Monday 2026-01-05 00:00 +08:00


def test_degree_days_daily():
    """Hourly rows over 40 days, summed into local days (UTC+8): the hdd
    model at CalTRACK's grid (bh = 57 F = 13.889 C here) against an exact
    regression of the daily sums on the daily HDD; auto on daily rows lists
    the degree-day forms; the thresholds are the daily ones."""
    bh = (57 - 32) / 1.8
    rows, days = [], []
    for d in range(40):
        tm = -2 + 0.9 * d  # the day's mean temperature
        e = (1.5, -1, 0.5, -2, 1)[d % 5]
        day_kwh = 240 + 24 * max(bh - tm, 0) + e
        days.append((tm, day_kwh))
        for h in range(24):
            t = T_MON + (d * 24 + h) * 3600000
            temp = tm + (2 if h % 2 else -2)  # averages to tm over the day
            rows.append((iso(t), round(day_kwh / 24 + (0.1 if h % 2 else -0.1), 9), temp))
    with mvgtest.TempDir() as dd:
        csv = write_csv(os.path.join(dd, "h.csv"), ["timestamp", "kwh", "temp"], rows)
        args = ["--csv", csv, "--y", "kwh", "--x", "temp", "--aggregate", "daily",
                "--utc-offset", "+08:00", "--json"]
        r = fit(["--model", "hdd"] + args)
        assert r.returncode == 0, r.stderr
        j = json.loads(r.stdout)
        assert j["model"] == "hdd" and j["granularity"] == "daily" and j["n"] == 40, j
        check("bh", j["change_points"][0], bh, 1e-12)
        b = ols([[max(bh - tm, 0) for tm, _ in days]], [k for _, k in days])
        check("b0", j["coefficients"][0], b[0], 1e-9)
        check("b1", j["coefficients"][1], b[1], 1e-9)
        r = fit(["--model", "auto"] + args)
        assert r.returncode == 0, r.stderr
        j = json.loads(r.stdout)
        names = [c["model"] for c in j["candidates"]]
        assert names[-3:] == ["hdd", "cdd", "hdd-cdd"], names
        assert j["model"] in ("hdd", "3ph"), j["model"]
        # hourly rows cannot take a degree-day form
        expect_exit2(["fit", "--model", "cdd", "--csv", csv, "--y", "kwh", "--x", "temp"],
                     "needs daily rows (--aggregate daily)")
        # the daily model predicts hourly reporting rows summed into days
        model = os.path.join(dd, "m.json")
        r = fit(["--model", "hdd"] + args)
        mvgtest.write(model, r.stdout)
        r = mvgtest.run([MVGATE, "savings", "--model", model, "--csv", csv, "--y", "kwh",
                         "--x", "temp", "--utc-offset", "+08:00", "--json"])
        assert r.returncode == 0, r.stderr
        s = json.loads(r.stdout)
        assert s["m"] == 40, s
        check("savings on the baseline itself", s["savings"], 0.0, abs_=1e-7)


def towt_truth(t, temp):
    local = (t - T_MON) % (7 * 86400000)
    dow, h = local // 86400000, local % 86400000 // 3600000
    k = (75 - 32) / 1.8
    f0, f1 = min(temp, k), max(temp - k, 0)
    if dow < 5 and 8 <= h < 18:
        return 50 + h + 1.0 * f0 + 4.0 * f1
    return 20 + 0.1 * h + 0.5 * f0 + 1.0 * f1


def test_towt_cli():
    """Three weeks of hourly rows from a TOWT truth (test_towt.c has the
    derivation): the CLI finds the 50 occupied bins and the slopes; auto
    on the same rows picks towt."""
    rows = []
    for i in range(3 * 168):
        t = T_MON + i * 3600000
        v = 0.618034 * i
        temp = 20 + 10 * (v - math.floor(v))
        rows.append((iso(t), round(towt_truth(t, temp), 9), temp))
    with mvgtest.TempDir() as d:
        csv = write_csv(os.path.join(d, "t.csv"), ["timestamp", "kwh", "temp"], rows)
        base = ["--csv", csv, "--y", "kwh", "--x", "temp", "--utc-offset", "+08:00"]
        r = fit(["--model", "towt"] + base + ["--json"])
        assert r.returncode == 0, r.stderr
        j = json.loads(r.stdout)
        assert j["model"] == "towt" and j["towt"]["bins"] == 168, j
        assert j["towt"]["occupied_bins"] == 50, j["towt"]
        occ = [m for m in j["towt"]["modes"] if m["occupied"]][0]
        check("occupied slope 1", occ["slopes"][0], 1.0, 1e-8, 1e-8)
        check("occupied slope 2", occ["slopes"][1], 4.0, 1e-8, 1e-8)
        assert j["p"] == 168 + 4 and j["ashrae14"]["pass"] is True, j
        # mvgate savings reads the model back with its tables: on the
        # baseline rows nothing is saved; on rows using 10 % less, 10 %
        mj = mvgtest.write(os.path.join(d, "towt.json"), r.stdout)
        assert len(j["towt"]["alpha"]) == 168 and j["towt"]["occupied"].count(True) == 50
        r = mvgtest.run([MVGATE, "savings", "--model", mj] + base + ["--json"])
        assert r.returncode == 0, r.stderr
        sv = json.loads(r.stdout)
        assert sv["m"] == 3 * 168, sv
        check("towt savings on the baseline", sv["savings"], 0.0, abs_=1e-6)
        less = write_csv(os.path.join(d, "less.csv"), ["timestamp", "kwh", "temp"],
                         [(t, round(0.9 * y, 9), x) for t, y, x in rows])
        r = mvgtest.run([MVGATE, "savings", "--model", mj, "--csv", less, "--y", "kwh", "--x",
                         "temp", "--json"])
        assert r.returncode == 0, r.stderr
        sv = json.loads(r.stdout)
        check("towt savings fraction", sv["savings_fraction"], 0.1, 1e-8)
        assert sv["fsu"] is not None and sv["fsu"] > 0, sv
        # a bin without baseline rows has no prediction; a damaged table is refused
        jj = json.loads(open(mj).read())
        jj["towt"]["alpha"][0] = None
        holed = mvgtest.write(os.path.join(d, "holed.json"), json.dumps(jj))
        expect_exit2(["savings", "--model", holed] + base,
                     "row 1 (", "its time-of-week bin had no baseline rows")
        jj["towt"]["occupied"][3] = 1
        bad = mvgtest.write(os.path.join(d, "bad.json"), json.dumps(jj))
        expect_exit2(["savings", "--model", bad] + base, "'towt.occupied'[3] must be a boolean")
        r = fit(["--model", "towt"] + base)
        assert "time-of-week bins 168 (occupied 50)" in r.stdout, r.stdout
        r = fit(["--model", "auto"] + base + ["--json"])
        assert r.returncode == 0, r.stderr
        j = json.loads(r.stdout)
        assert j["model"] == "towt", j["model"]
        assert j["candidates"][-1]["model"] == "towt"
        # without the offset the week starts 8 hours off: other bins, still a fit
        expect_exit2(["fit", "--model", "towt", "--csv", csv, "--y", "kwh"],
                     "temperature as the first --x")


def test_categorical_columns():
    """weekend, holiday, shift and an operating mode as x columns: an exact
    linear truth is recovered, the names say which column is which, and
    savings on the same rows with the same options are zero. A mean model
    given a significant x fails its verdict."""
    hol = ["2026-01-01", "2026-01-02"]
    rows, want = [], []
    for i in range(24 * 21):
        t = T_MON - 5 * 86400000 + i * 3600000  # from Wednesday 31 Dec 2025 local
        local = t + 8 * 3600000
        day = local // 86400000
        dow = (day + 4) % 7  # 0 Sunday
        wkend = 1 if dow in (0, 6) else 0
        iso_day = iso(day * 86400000)[:10]
        holi = 1 if iso_day in hol else 0
        h = local % 86400000 // 3600000
        shift = 1 if h >= 22 or h < 6 else 0
        mode = 1 + (i // 5) % 3
        temp = 15 + (i * 7) % 13
        y = 10 + 2 * temp + 5 * wkend + 7 * holi + 3 * shift + 4 * (mode == 2) + 6 * (mode == 3)
        rows.append((iso(t), y, temp, mode))
    with mvgtest.TempDir() as d:
        csv = write_csv(os.path.join(d, "c.csv"), ["timestamp", "kwh", "temp", "line"], rows)
        hf = os.path.join(d, "hk-holidays.txt")
        mvgtest.write(hf, "# Hong Kong public holidays\n" + "\n".join(hol) + "\n")
        opts = ["--utc-offset", "+08:00", "--weekend", "--holidays", hf, "--shift", "22:00-06:00",
                "--mode", "line"]
        r = fit(["--model", "linear", "--csv", csv, "--y", "kwh", "--x", "temp", "--json"] + opts)
        assert r.returncode == 0, r.stderr
        j = json.loads(r.stdout)
        assert j["x"] == ["temp", "weekend", "holiday", "shift", "line=2", "line=3"], j["x"]
        for got, w in zip(j["coefficients"], [10, 2, 5, 7, 3, 4, 6]):
            check("coefficient", got, w, 1e-9, 1e-9)
        model = os.path.join(d, "m.json")
        mvgtest.write(model, r.stdout)
        r = mvgtest.run([MVGATE, "savings", "--model", model, "--csv", csv, "--y", "kwh",
                         "--x", "temp", "--json"] + opts)
        assert r.returncode == 0, r.stderr
        check("savings", json.loads(r.stdout)["savings"], 0.0, abs_=1e-7)
        # mean model with the temperature at hand: it does not pass
        r = fit(["--model", "mean", "--csv", csv, "--y", "kwh", "--x", "temp", "--json"])
        j = json.loads(r.stdout)
        assert j["ashrae14"]["pass"] is False, j["ashrae14"]
        assert any("x1 is significant" in m for m in j["ashrae14"]["reasons"]), j["ashrae14"]
        bad = os.path.join(d, "bad.txt")
        mvgtest.write(bad, "2026-01-01\n2026-13-01\n")
        expect_exit2(["fit", "--model", "linear", "--csv", csv, "--y", "kwh", "--x", "temp",
                      "--holidays", bad], "bad.txt:2: '2026-13-01' is not a date")
        expect_exit2(["fit", "--model", "linear", "--csv", csv, "--y", "kwh", "--x", "temp",
                      "--shift", "22:00"], "--shift '22:00'")
        expect_exit2(["fit", "--model", "linear", "--csv", csv, "--y", "kwh", "--x", "temp",
                      "--utc-offset", "8"], "--utc-offset '8'")


def test_meter_accuracy():
    """--accuracy-pct combines the meter with the model in quadrature."""
    x, y = linear_data()
    with mvgtest.TempDir() as d:
        csv = write_csv(os.path.join(d, "b.csv"), ["kwh", "prod"], list(zip(y, x)))
        r = fit(["--model", "linear", "--csv", csv, "--y", "kwh", "--x", "prod", "--json"])
        model = os.path.join(d, "m.json")
        mvgtest.write(model, r.stdout)
        rep = write_csv(os.path.join(d, "r.csv"), ["kwh", "prod"],
                        [(0.9 * b, a) for a, b in zip(x, y)])
        r = mvgtest.run([MVGATE, "savings", "--model", model, "--csv", rep, "--y", "kwh",
                         "--accuracy-pct", "0.5", "--json"])
        assert r.returncode == 0, r.stderr
        s = json.loads(r.stdout)
        um, ua = s["fsu_model"] * abs(s["savings"]), 0.005 * abs(s["actual"])
        check("fsu", s["fsu"], math.sqrt(um * um + ua * ua) / abs(s["savings"]))
        assert s["fsu"] > s["fsu_model"] and s["meter_accuracy"] == 0.005, s


def quantile7(v, q):
    """Type 7 quantile (numpy's default) of the sorted list v."""
    h = (len(v) - 1) * q
    lo = int(math.floor(h))
    return v[lo] if lo + 1 >= len(v) else v[lo] + (h - lo) * (v[lo + 1] - v[lo])


def line_fit(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    b1 = sum((a - mx) * (b - my) for a, b in zip(x, y)) / sum((a - mx) ** 2 for a in x)
    return my - b1 * mx, b1


def test_outliers():
    """The outlier rule (CalTRACK 2.3.6 on the residuals, docs/method.md
    "Screening") against a computation here: a spike up and a drop-out down
    in 60 noisy hourly rows are flagged with their times; they stay in the
    fit unless --exclude-outliers, which refits once without them."""
    g = lcg(7)
    x = [1.0 + (i * 7) % 11 for i in range(60)]
    y = [12.0 + 3.0 * a + 0.4 * next(g) for a in x]
    y[9] += 60.0
    y[41] -= 45.0
    b0, b1 = line_fit(x, y)
    e = [b - (b0 + b1 * a) for a, b in zip(x, y)]
    s = sorted(e)
    med, q1, q3 = quantile7(s, 0.5), quantile7(s, 0.25), quantile7(s, 0.75)
    lo, hi = med - 3 * (q3 - q1), med + 3 * (q3 - q1)
    flagged = [i for i, r in enumerate(e) if r < lo or r > hi]
    assert flagged == [9, 41], flagged
    ts = ["2026-03-02T%02d:00:00Z" % i if i < 24 else "2026-03-03T%02d:00:00Z" % (i - 24)
          if i < 48 else "2026-03-04T%02d:00:00Z" % (i - 48) for i in range(60)]
    with mvgtest.TempDir() as d:
        csv = write_csv(os.path.join(d, "b.csv"), ["timestamp", "kwh", "prod"],
                        [(t, "%.17g" % b, a) for t, b, a in zip(ts, y, x)])
        r = fit(["--model", "linear", "--csv", csv, "--y", "kwh", "--x", "prod", "--json"])
        assert r.returncode == 0, r.stderr
        m = json.loads(r.stdout)
        o = m["outliers"]
        assert o["screened"] and o["count"] == 2 and not o["excluded"] and o["n"] == 60, o
        for k, v in (("median", med), ("q1", q1), ("q3", q3), ("low", lo), ("high", hi)):
            check("outliers." + k, o[k], v, rel=1e-7)
        assert [row["row"] for row in o["rows"]] == [10, 42], o["rows"]
        assert o["rows"][0]["timestamp"].startswith("2026-03-02T09:00"), o["rows"]
        check("residual", o["rows"][0]["residual"], e[9], rel=1e-7)
        assert m["n"] == 60, m["n"]
        check("b0 kept", m["coefficients"][0], b0, rel=1e-7)
        r = fit(["--model", "linear", "--csv", csv, "--y", "kwh", "--x", "prod"])
        assert "2 of 60 rows, kept in the fit" in r.stdout and "row 42 2026-03-03T17:00" in r.stdout, r.stdout
        r = fit(["--model", "linear", "--csv", csv, "--y", "kwh", "--x", "prod", "--json",
                 "--exclude-outliers"])
        assert r.returncode == 0, r.stderr
        m = json.loads(r.stdout)
        keep = [i for i in range(60) if i not in flagged]
        c0, c1 = line_fit([x[i] for i in keep], [y[i] for i in keep])
        assert m["n"] == 58 and m["outliers"]["excluded"], m
        check("b0 refit", m["coefficients"][0], c0, rel=1e-7)
        check("b1 refit", m["coefficients"][1], c1, rel=1e-7)
        # the rows are missing from the span: the coverage says so
        check("coverage", m["coverage"], 58.0 / 60.0, rel=1e-9)
        # savings reads the model back with its outliers member
        model = os.path.join(d, "m.json")
        mvgtest.write(model, r.stdout)
        r = mvgtest.run([MVGATE, "savings", "--model", model, "--csv", csv, "--y", "kwh",
                         "--x", "prod", "--json"])
        assert r.returncode == 0, r.stderr


def test_change_point_with_load():
    """A 3pc with a further x (the chiller: temperature first, then the
    load): the change point where the data put it, the coefficients those
    of an exact least squares on 1, (t - c)+ and load at that c, auto
    choosing it, and savings reading the model back (two x)."""
    rows = []
    for i in range(60):
        t = 5 + 0.37 * i
        load = 100 + 37 * ((i * 7) % 11)
        rows.append((t, load, 10 + 2 * max(t - 18, 0) + 0.5 * load + 0.3 * math.sin(i)))
    with mvgtest.TempDir() as d:
        csv = write_csv(os.path.join(d, "c.csv"), ["t", "load", "kwh"], rows)
        args = ["--csv", csv, "--y", "kwh", "--x", "t", "--x", "load", "--json"]
        r = fit(["--model", "3pc"] + args)
        assert r.returncode == 0, r.stderr
        j = json.loads(r.stdout)
        assert j["model"] == "3pc" and j["nx"] == 2 and j["p"] == 4, j
        c = j["change_points"][0]
        assert abs(c - 18) < 0.2, c
        b = ols([[max(t - c, 0) for t, _, _ in rows], [l for _, l, _ in rows]],
                [k for _, _, k in rows])
        for k in range(3):
            check("b%d" % k, j["coefficients"][k], b[k], 1e-8)
        r = fit(["--model", "auto"] + args)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["model"] == "3pc", r.stdout
        model = os.path.join(d, "m.json")
        r = fit(["--model", "3pc"] + args)
        mvgtest.write(model, r.stdout)
        r = mvgtest.run([MVGATE, "savings", "--model", model, "--csv", csv, "--y", "kwh",
                         "--x", "t", "--x", "load", "--json"])
        assert r.returncode == 0, r.stderr
        check("savings on the baseline itself", json.loads(r.stdout)["savings"], 0.0, abs_=1e-7)


if __name__ == "__main__":
    mvgtest.main([test_linear_json, test_intensity_and_verdict, test_auto_and_savings,
                  test_timestamps_order_and_coverage, test_bad_inputs, test_degree_days_daily,
                  test_towt_cli, test_categorical_columns, test_meter_accuracy,
                  test_outliers, test_change_point_with_load])
