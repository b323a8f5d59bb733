"""`mvgate report --hub`: the gateway's report from the records a hub
received and verified, through the same report pipeline.

One run of mvgated on the simulated compressor (x600, its key rotated half
way) publishing to a real mosquitto, two hubs receiving every message: one
on SQLite, one on a real PostgreSQL (mvgtest.Postgres). Then:

- the JSON report from the gateway's store and from each hub give the same
  figures: every number (and every undefined figure, null) of the two
  documents is equal, the whole record and a window; the hub's report
  validates against docs/schemas/report.schema.json and says which range
  of the chain it covers; the CSV rows are the same; HTML in English and
  zh-Hant is written;
- a copy of the SQLite hub database with one chain position deleted: the
  report covers chain 1..k-1 only and says that chain k is missing (the
  records beyond the gap are not used); a copy with a second "ok" record
  at one position, stored before the real one and not linked to its
  predecessor: the report follows the hash links and is the gateway's;
- an altered record injected with mosquitto_pub: the hub's report says the
  chain does not hold (exit 1) and its figures stay the gateway's (the
  altered record is not used);
- bad input: -c and --hub together, an unknown project (exit 2)."""

import csv
import io
import json
import os
import shutil
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import Mosquitto, mvgate  # noqa: E402
import test_hub as H  # noqa: E402  (the gateway run and record helpers)

import jsonschema  # noqa: E402

PROJECT = "comp-vsd"


def leaves(doc, path=""):
    """{path: value} of every number, boolean and null in doc."""
    out = {}
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.update(leaves(v, path + "/" + k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out.update(leaves(v, "%s[%d]" % (path, i)))
    elif doc is None or isinstance(doc, (bool, int, float)):
        out[path] = doc
    return out


def report(*args):
    r = mvgate("report", "--project", PROJECT, "--format", "json", *args)
    return r.returncode, (json.loads(r.stdout) if r.stdout.strip() else None), r.stderr


def same_figures(gw, hub, what):
    a, b = leaves(gw), leaves(hub)
    assert set(a) == set(b), (what, sorted(set(a) ^ set(b))[:10])
    diff = [(k, a[k], b[k]) for k in a if a[k] != b[k]]
    assert not diff, (what, diff[:10])
    return len(a)


def test_hub_report():
    pg = T.Postgres()
    try:
        with T.TempDir() as d:
            port = T.free_port()
            broker = Mosquitto(d, port)
            T.write(os.path.join(d, "register.txt"), "")
            db_path = os.path.join(d, "hub.db")
            conf_s = H.hub_conf(d, "hub-s", port, 'backend = "sqlite"; path = "%s";' % db_path)
            conf_p = H.hub_conf(d, "hub-p", port,
                                'backend = "postgresql"; conninfo = "%s";' % pg.conninfo())
            hubs = [H.start_hub(conf_s), H.start_hub(conf_p)]
            try:
                def on_hour(h):
                    for x in hubs:
                        x.pump(0)
                cfg = H.run_gateway(d, port, 2.0, on_hour, hubs)
                records = H.chain_records(cfg)

                def count_ok():
                    with sqlite3.connect(db_path) as c:
                        s = c.execute("SELECT COUNT(*) FROM hub_records WHERE verdict = 'ok'"
                                      ).fetchone()[0]
                    p = int(pg.psql("SELECT COUNT(*) FROM hub_records WHERE verdict = 'ok'")[0][0])
                    return min(s, p)
                H.wait_verified(count_ok, len(records), "%d records verified" % len(records))

                rc, gw, err = report("-c", cfg, "--enrolled", os.path.join(d, "register.txt"))
                assert rc == 0, err
                with open(os.path.join(T.SRC, "docs", "schemas", "report.schema.json")) as f:
                    schema = json.load(f)
                n = max(ch for (p, ch) in records if p == PROJECT)
                for conf in (conf_s, conf_p):
                    rc, hub, err = report("--hub", conf)
                    assert rc == 0, err
                    jsonschema.validate(hub, schema)
                    count = same_figures(gw, hub, conf)
                    assert hub["chain"]["ok"] and hub["chain"]["records"] == n, hub["chain"]
                    assert "verified at the hub: chain 1..%d" % n in hub["chain"]["line"], \
                        hub["chain"]["line"]
                    assert hub["chain"]["attestation"] == "enrolled", hub["chain"]
                    assert hub["gateway"] == gw["gateway"], hub["gateway"]
                    print("%s: %d figures equal; %s" % (os.path.basename(conf), count,
                                                        hub["chain"]["line"]))
                # the key was rotated: the hub followed it as the gateway's check does
                assert gw["chain"]["current_fingerprint"] != gw["chain"]["fingerprint"]
                sav = gw["figures"]["savings.electricity.savings"]["value"]
                assert gw["figures"]["savings.electricity.m"]["value"] > 3 and sav, gw["figures"]

                # a window: the same figures again
                start = gw["periods"]["reporting"]["first"]
                _, gw_w, _ = report("-c", cfg, "--from", start,
                                    "--enrolled", os.path.join(d, "register.txt"))
                rc, hub_w, err = report("--hub", conf_p, "--from", start)
                assert rc == 0, err
                same_figures(gw_w, hub_w, "window")
                assert gw_w["figures"]["periods.window.records"]["value"] < \
                    gw["figures"]["periods.window.records"]["value"]

                # CSV: the same figure and series rows (the text rows name the source)
                def csv_rows(*args):
                    r = mvgate("report", "--project", PROJECT, "--format", "csv", *args)
                    assert r.returncode == 0, r.stderr
                    rows = list(csv.reader(io.StringIO(r.stdout)))
                    return [x for x in rows if x[1] not in ("chain.line", "chain.trust")]
                gw_csv = csv_rows("-c", cfg, "--enrolled", os.path.join(d, "register.txt"))
                hub_csv = csv_rows("--hub", conf_s)
                assert gw_csv == hub_csv, [(a, b) for a, b in zip(gw_csv, hub_csv) if a != b][:5]

                # HTML in both languages
                for lang in ("en", "zh-Hant"):
                    out = os.path.join(d, "hub-%s.html" % lang)
                    r = mvgate("report", "--hub", conf_s, "--project", PROJECT, "--lang", lang,
                               "--out", out)
                    assert r.returncode == 0, r.stderr
                    with open(out, encoding="utf-8") as f:
                        html = f.read()
                    assert 'data-k="savings.electricity.savings"' in html
                    assert ("Records received and verified by" if lang == "en" else "記錄接收及核證") in html

                # beyond a gap nothing is used: a copy without one interval record
                k = next(ch for (p, ch) in sorted(records) if p == PROJECT and ch > n // 2
                         and b'"mvgate/interval/' in records[(p, ch)][:40])
                gap_db = os.path.join(d, "gap.db")
                with sqlite3.connect(db_path) as c:
                    c.execute("PRAGMA wal_checkpoint(FULL)")
                shutil.copy(db_path, gap_db)
                with sqlite3.connect(gap_db) as c:
                    c.execute("DELETE FROM hub_records WHERE project = ? AND chain = ?",
                              (PROJECT, k))
                conf_g = H.hub_conf(d, "hub-g", port, 'backend = "sqlite"; path = "%s";' % gap_db)
                rc, gap, err = report("--hub", conf_g)
                assert rc == 0, err
                line = gap["chain"]["line"]
                assert gap["chain"]["records"] == k - 1, gap["chain"]
                assert "chain 1..%d" % (k - 1) in line and "chain %d missing" % k in line, line
                assert "not used: %d record(s)" % (n - k) in line, line
                last = gap["series"]["electricity"][-1]["end"]
                assert last < gw["series"]["electricity"][-1]["end"], last
                assert gap["figures"]["periods.window.records"]["value"] < \
                    gw["figures"]["periods.window.records"]["value"]

                # two "ok" records at one position (a second chain after a lost
                # store): the range follows the hash links, not the row order
                link_db = os.path.join(d, "link.db")
                shutil.copy(db_path, link_db)
                with sqlite3.connect(link_db) as c:
                    row = c.execute("SELECT gateway, kind, key_fp, payload, first_ms, first_hub"
                                    " FROM hub_records WHERE project = ? AND chain = ?",
                                    (PROJECT, k + 1)).fetchone()
                    c.execute("INSERT INTO hub_records (id, gateway, project, chain, hash, prev,"
                              " kind, key_fp, payload, first_ms, first_hub, verdict, next_key)"
                              " VALUES (-1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?)",
                              (row[0], PROJECT, k, "e" * 64, "f" * 64, row[1], row[2], row[3],
                               row[4], row[5], row[2]))
                conf_l = H.hub_conf(d, "hub-l", port, 'backend = "sqlite"; path = "%s";' % link_db)
                rc, linked, err = report("--hub", conf_l)
                assert rc == 0, err
                same_figures(gw, linked, "a second ok record at chain %d" % k)

                # another project of the gateway whose verified definition counts
                # the same meter point: the report names it, as the gateway's
                # report does from its configuration (issue 17 item 6)
                assert all(m["also_counted_by"] == "" for m in gw["meters"]), gw["meters"]
                dup_db = os.path.join(d, "dup.db")
                shutil.copy(db_path, dup_db)
                with sqlite3.connect(dup_db) as c:
                    row = c.execute("SELECT gateway, key_fp, payload, first_ms, first_hub"
                                    " FROM hub_records WHERE project = ? AND kind = 'definition'"
                                    " AND verdict = 'ok' ORDER BY id DESC",
                                    (PROJECT,)).fetchone()
                    own = json.loads(row[2])
                    assert "comp_power.energy_kwh" in own["counts"], own.get("counts")
                    other = dict(own, project="dup", counts=["comp_power.energy_kwh"])
                    c.execute("INSERT INTO hub_records (id, gateway, project, chain, hash, prev,"
                              " kind, key_fp, payload, first_ms, first_hub, verdict, next_key)"
                              " VALUES (-2, ?, 'dup', 1, ?, ?, 'definition', ?, ?, ?, ?, 'ok', NULL)",
                              (row[0], "d" * 64, "0" * 64, row[1],
                               json.dumps(other).encode(), row[3], row[4]))
                conf_d = H.hub_conf(d, "hub-d", port, 'backend = "sqlite"; path = "%s";' % dup_db)
                rc, dup, err = report("--hub", conf_d)
                assert rc == 0, err
                meters = {m["channel"]: m for m in dup["meters"]}
                assert meters["comp_power.energy_kwh"]["also_counted_by"] == "dup", dup["meters"]
                assert all(m["also_counted_by"] == "" for c, m in meters.items()
                           if c != "comp_power.energy_kwh"), dup["meters"]

                # an altered record: not used, and the chain does not hold
                k_alt = next(kk for kk in sorted(records) if kk[0] == PROJECT and kk[1] > 3
                             and b'"mvgate/interval/' in records[kk][:40])
                T.mqtt_publish(port, "mvgate/v1/%s/interval/%s" % (H.GW, PROJECT),
                               H.altered(records[k_alt]))

                def altered_seen():
                    with sqlite3.connect(db_path) as c:
                        return c.execute("SELECT COUNT(*) FROM hub_records WHERE verdict ="
                                         " 'altered'").fetchone()[0]
                T.wait_until(altered_seen, 20, "the altered record's verdict")
                rc, bad, err = report("--hub", conf_s)
                assert rc == 1 and "does NOT hold" in err, (rc, err)
                assert not bad["chain"]["ok"] and "chain %d: altered" % k_alt[1] in \
                    bad["chain"]["line"], bad["chain"]
                assert bad["figures"]["savings.electricity.savings"]["value"] == sav
                assert bad["chain"]["records"] == n

                # bad input
                r = mvgate("report", "-c", cfg, "--hub", conf_s, "--project", PROJECT)
                assert r.returncode == 2 and "one of them" in r.stderr, r.stderr
                r = mvgate("report", "--hub", conf_s, "--project", "nope")
                assert r.returncode == 2 and "no record of project nope" in r.stderr, r.stderr
                for x in hubs:
                    assert x.stop() == 0, x.err_lines[-10:]
            finally:
                for x in hubs:
                    x.stop()
                broker.stop()
    finally:
        pg.stop()


if __name__ == "__main__":
    T.main([test_hub_report])
