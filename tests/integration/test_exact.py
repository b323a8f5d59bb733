"""Exact 64-bit integers and string points end to end, against pymodbus (an
independent implementation whose registers Python's struct writes): the
edges a double rounds (2^64 - 1, -2^63, 2^53 + 1 in three byte orders) and
strings (AB and BA) through `mvgate read` (JSON and text), then mvgated ->
mosquitto (telemetry JSON as a subscriber gets it), InfluxDB 1.x (line
protocol fields as the server stores them) and the store (`mvgate export`,
JSONL and CSV). Python's json reads integers exactly, so an equality with
the peer's value fails on any rounding."""

import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from pymodbus_peer import EXACT  # noqa: E402

import jsonschema  # noqa: E402

PEER = os.path.join(os.path.dirname(__file__), "pymodbus_peer.py")
INTS = {k: v for k, v in EXACT.items() if v[2] != "string"}
TEXTS = {k: v for k, v in EXACT.items() if v[2] == "string"}


def points():
    pts = []
    for name, (area, addr, typ, order, count, _) in EXACT.items():
        extra = ' count = %d;' % count if count else ""
        pts.append('{ name = "%s"; area = "%s"; address = %d; type = "%s"; order = "%s";%s }'
                   % (name, area, addr, typ, order, extra))
    return ",\n      ".join(pts)


def config(d, port, extra=""):
    return T.write(os.path.join(d, "gw.conf"), """
gateway = { id = "gw-exact"; site = "lab"; data_dir = "%s"; };
buses = ( { name = "lan"; type = "tcp"; host = "127.0.0.1"; port = %d; timeout_ms = 1000; retries = 1; } );
devices = ( { name = "m"; bus = "lan"; unit_id = 1; interval_ms = 200; points = (
      %s ); } );
%s
""" % (d, port, points(), extra))


def start_peer(port):
    p = T.Proc(["/usr/bin/python3", PEER, "tcp", str(port)], name="pymodbus")
    p.wait_line(r"^ready", timeout=15)
    return p


def check_values(by_point, where):
    """by_point: point -> {"value": .., "raw": ..} as one output gave it."""
    for name, (_, _, _, _, _, want) in INTS.items():
        got = by_point[name]
        assert got.get("raw") == want and type(got["raw"]) is int, \
            "%s: %s raw %r, want %r" % (where, name, got.get("raw"), want)
        # the value is the double: within its rounding of the raw value
        assert abs(float(got["value"]) - want) <= abs(want) * 2 ** -52, (where, name, got)
    for name, (_, _, _, _, _, want) in TEXTS.items():
        got = by_point[name]
        assert got["value"] == want and "raw" not in got, (where, name, got)


def test_read_json_and_text():
    port = T.free_port()
    peer = start_peer(port)
    try:
        with T.TempDir() as d:
            cfg = config(d, port)
            r = T.run([T.binary("mvgate"), "read", "-c", cfg, "--json"])
            assert r.returncode == 0, r.stderr
            out = json.loads(r.stdout)["m"]
            assert all(p["quality"] == "good" for p in out.values()), out
            check_values(out, "read --json")
            r = T.run([T.binary("mvgate"), "read", "-c", cfg])
            assert r.returncode == 0, r.stderr
            rows = {line.split()[1]: line for line in r.stdout.splitlines()[1:]}
            for name, (_, _, _, _, _, want) in INTS.items():
                assert rows[name].split()[2] == str(want), rows[name]
            for name, (_, _, _, _, _, want) in TEXTS.items():
                assert '"%s"' % want in rows[name], rows[name]
    finally:
        peer.stop()


def test_daemon_mqtt_influx_and_store():
    port = T.free_port()
    peer = start_peer(port)
    try:
        with T.TempDir() as d:
            mport = T.free_port()
            broker = T.Mosquitto(d, mport)
            influx = T.Influxd(d)
            gw = sub = None
            try:
                influx.query("CREATE DATABASE mvgate")
                sub = T.Subscriber(mport, "mvgate/v1/gw-exact/telemetry/#",
                                   os.path.join(d, "capture.txt"), "exact-sub")
                cfg = config(d, port, """
store = { samples = "all"; };
mqtt = { uri = "tcp://127.0.0.1:%d"; telemetry = "every"; keepalive_s = 5; };
influx = { url = "http://127.0.0.1:%d"; db = "mvgate"; batch_lines = 50; };
""" % (mport, influx.http))
                gw = T.Proc([T.binary("mvgated"), "-c", cfg], name="mvgated")

                def telemetry():
                    return [json.loads(line.split(" ", 1)[1]) for line in sub.lines()]
                T.wait_until(lambda: len(telemetry()) >= 3, 20, "three telemetry messages")
                validator = jsonschema.Draft7Validator(T.schema("telemetry"))
                for doc in telemetry()[:3]:
                    assert doc["schema"] == "mvgate/telemetry/2", doc
                    errors = list(validator.iter_errors(doc))
                    assert not errors, errors[0].message
                    check_values({s["point"]: s for s in doc["samples"]}, "mqtt")

                def influx_rows():
                    res = influx.query('SELECT * FROM mvgate_sample')["results"][0]
                    if "series" not in res:
                        return {}
                    ser = res["series"][0]
                    rows = {}
                    for v in ser["values"]:
                        row = dict(zip(ser["columns"], v))
                        rows.setdefault(row["point"], row)
                    return rows
                T.wait_until(lambda: set(influx_rows()) == set(EXACT), 30,
                             "InfluxDB has every point")
                rows = influx_rows()
                # 1.x has no unsigned fields: an integer up to 2^63 - 1, a
                # string above; the server's JSON carries integers exactly
                for name, (_, _, _, _, _, want) in INTS.items():
                    got = rows[name]["raw"] if want < 2 ** 63 else int(rows[name]["raw_text"])
                    assert got == want and type(got) is int, (name, rows[name])
                for name, (_, _, _, _, _, want) in TEXTS.items():
                    assert rows[name]["text"] == want, rows[name]
                gw.stop()
                gw = None

                r = T.run([T.binary("mvgate"), "export", "-c", cfg, "--what", "samples",
                           "--format", "jsonl"])
                assert r.returncode == 0, r.stderr
                stored = [json.loads(line) for line in r.stdout.splitlines()]
                assert {s["point"] for s in stored} == set(EXACT), stored[:3]
                last = {s["point"]: s for s in stored}
                check_values(last, "export jsonl")
                r = T.run([T.binary("mvgate"), "export", "-c", cfg, "--what", "samples",
                           "--format", "csv"])
                assert r.returncode == 0, r.stderr
                rows = {row["point"]: row for row in csv.DictReader(io.StringIO(r.stdout))}
                for name, (_, _, _, _, _, want) in INTS.items():
                    assert int(rows[name]["raw"]) == want, rows[name]
                for name, (_, _, _, _, _, want) in TEXTS.items():
                    assert rows[name]["value"] == want and rows[name]["raw"] == "", rows[name]
            finally:
                if gw:
                    gw.stop()
                if sub:
                    sub.stop()
                influx.stop()
                broker.stop()
    finally:
        peer.stop()


if __name__ == "__main__":
    T.main([test_read_json_and_text, test_daemon_mqtt_influx_and_store])
