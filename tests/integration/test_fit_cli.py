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
        assert "ASHRAE Guideline 14: pass" in r.stdout and "b1 (prod)" in r.stdout, r.stdout


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


if __name__ == "__main__":
    mvgtest.main([test_linear_json, test_intensity_and_verdict, test_auto_and_savings,
                  test_timestamps_order_and_coverage, test_bad_inputs])
