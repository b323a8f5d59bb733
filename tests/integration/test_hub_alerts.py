"""mvgate-hub's alerts (docs/hub.md "Alerts") and its TLS connection,
against a real mosquitto, with records signed here by the chain's byte
rule (mvgtest.RecordKey) and published with mosquitto_pub:

- every kind raised, with its gateway, project and chain position: bad
  signature, altered (a record and a head), unknown key, not enrolled,
  restarted (a chain 1 without a new-chain record after one), missing
  positions after missing_grace_s (cleared when they arrive), offline by
  the will (cleared by the next online status), a model re-fit and a
  definition change (informational), a withheld tail (no head for two
  every_s periods, cleared by the next head), a meter in two projects'
  definitions (cleared by the definition that drops it); each stored
  once, logged once when raised and once when cleared, published
  retained on <prefix>/hub/alerts/..., and listed by `mvgate hub alerts`
  (--open, --json; exit 1 while one is open);
- the same on PostgreSQL with two instances that both receive every
  message (no shared group) and race on each alert: still once each;
- TLS: the hub on ssl:// with the CA, with mutual TLS against a
  listener that requires a client certificate, and a wrong CA refused
  with the reason."""

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import mvgate  # noqa: E402

PREFIX = "mvgate/v1"
ZERO = "0" * 64


class Chain:
    """One project's chain of gateway gw, built record by record."""

    def __init__(self, gw, project):
        self.gw, self.project = gw, project
        self.n, self.prev, self.recs = 0, ZERO, {}

    def next(self, kind, body, key, chain=None, prev=None):
        """The signed record of kind after the last one (or at chain with
        prev); it becomes the last one."""
        chain = chain or self.n + 1
        prev = prev or self.prev
        text = ('{"schema":"mvgate/%s/1","gateway":"%s","project":"%s",%s,"chain":%d,'
                '"key":"%s","prev":"%s"}' % (kind, self.gw, self.project, body, chain, key.fp,
                                              prev)).encode()
        rec = key.sign(text)
        self.recs[chain] = rec
        self.n, self.prev = chain, hashlib.sha256(rec).hexdigest()
        return rec

    def topic(self, kind):
        return "%s/%s/%s/%s" % (PREFIX, self.gw, kind, self.project)


def head(gw, project, key, chain, chain_hash, every_s=1):
    text = ('{"schema":"mvgate/head/1","gateway":"%s","project":"%s",'
            '"time":"2026-12-01T00:00:00.000Z","head":%d,"head_hash":"%s","records":{},'
            '"every_s":%d,"reason":"periodic","key":"%s"}'
            % (gw, project, chain, chain_hash, every_s, key.fp)).encode()
    return key.sign(text)


def definition(version, meters):
    return '"version":%d,"meters":%s' % (version, json.dumps(meters, separators=(",", ":")))


def alerts(conf, *flags):
    r = mvgate("hub", "alerts", "-c", conf, "--json", *flags)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, json.loads(r.stdout)


def by_kind(docs):
    out = {}
    for a in docs:
        out.setdefault(a["kind"], []).append(a)
    return out


def wait_alert(conf, pred, what, timeout=30):
    last = []

    def ok():
        last[:] = alerts(conf)[1]
        return pred(by_kind(last))
    try:
        T.wait_until(ok, timeout, what, interval=0.3)
    except AssertionError:
        raise AssertionError("%s; alerts: %s\n%s" % (what, json.dumps(last, indent=1),
                                                      mvgate("hub", "status", "-c", conf).stdout))
    return by_kind(last)


def retained_alerts(port):
    r = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-t",
                        PREFIX + "/hub/alerts/#", "-v", "--retained-only", "-W", "2"],
                       capture_output=True, text=True)
    out = {}
    for line in r.stdout.splitlines():
        topic, payload = line.split(" ", 1)
        out[topic] = json.loads(payload)
    return out


def scenario(d, port, confs, hubs):
    """Publishes the records that raise every kind, checks the alerts with
    the first conf, and that the hubs (Procs) logged each raise and clear
    once between them."""
    pub = T.mqtt_publish
    k, k2, k3 = T.RecordKey(), T.RecordKey(), T.RecordKey()
    T.write(os.path.join(d, "register.txt"), "gw-a %s\ngw-b %s\n" % (k.fp, k2.fp))
    for h in hubs:
        h.signal(signal.SIGHUP)  # the register
        h.wait_line(r"register re-read: 2 enrolled", timeout=10, stream="err")
    pub(port, PREFIX + "/gw-a/identity",
        ('{"schema":"mvgate/identity/1","gateway":"gw-a","key":"%s"}' % k.pk_b64).encode(),
        retain=True)
    p1, p2 = Chain("gw-a", "p1"), Chain("gw-a", "p2")
    pub(port, p1.topic("interval"), p1.next("interval", '"seq":1', k))
    pub(port, p1.topic("interval"), p1.next("interval", '"seq":2', k))
    c3 = p1.next("interval", '"seq":3', k)  # withheld for a while: missing
    c4 = p1.next("interval", '"seq":4', k)
    pub(port, p1.topic("interval"), c4)
    pub(port, p1.topic("model"), p1.next("model", '"version":1', k))
    pub(port, p1.topic("model"), p1.next("model", '"version":2', k))  # a re-fit
    # the meter as the definition record names it (docs/mqtt.md "Project definition")
    meter = {"device": "main", "unit_id": 1, "transport": "tcp", "host": "10.0.0.5", "port": 502,
             "serial_port": None}
    pub(port, p1.topic("definition"), p1.next("definition", definition(1, [meter]), k))
    pub(port, p2.topic("definition"), p2.next("definition", definition(1, [meter]), k))
    # forgeries: a figure changed, another key, no signature, a restart, not enrolled
    pub(port, p1.topic("interval"), c4.replace(b'"seq":4', b'"seq":40'))
    pub(port, p1.topic("interval"), Chain("gw-a", "p1").next(
        "interval", '"seq":5', k3, chain=5, prev=hashlib.sha256(c4).hexdigest()))
    nosig = ('{"schema":"mvgate/interval/1","gateway":"gw-a","project":"p1","seq":8,'
             '"chain":8,"key":"%s","prev":"%s"}' % (k.fp, p1.prev)).encode()
    pub(port, p1.topic("interval"), nosig)
    pub(port, p1.topic("interval"), Chain("gw-a", "p1").next("interval", '"seq":101', k))
    pub(port, PREFIX + "/gw-b/interval/p9", Chain("gw-b", "p9").next("interval", '"seq":1', k))
    # the gateway's will, a good head, an altered one and one without a period
    pub(port, PREFIX + "/gw-a/status",
        b'{"schema":"mvgate/status/1","state":"offline","gateway":"gw-a"}', retain=True)
    pub(port, p1.topic("head"), head("gw-a", "p1", k, p1.n, p1.prev))
    pub(port, p1.topic("head"),
        head("gw-a", "p1", k, p1.n, p1.prev).replace(b'"head":%d' % p1.n, b'"head":99'))
    pub(port, p2.topic("head"), head("gw-a", "p2", k, 1, p2.prev, every_s=0))  # signed, no period

    # what does not depend on chain 3: everything after it waits for it
    kinds = wait_alert(confs[0], lambda a: all(x in a for x in (
        "altered", "bad-signature", "restarted", "not-enrolled", "offline", "missing",
        "withheld-tail")), "the alerts that do not wait for chain 3")
    assert [a["chain_from"] for a in kinds["missing"]] == [3], kinds["missing"]
    assert kinds["missing"][0]["chain_to"] == 3 and kinds["missing"][0]["state"] == "open"
    altered = sorted(kinds["altered"], key=lambda a: (a["chain_from"] or 0, a["project"]))
    assert [(a["project"], a["chain_from"]) for a in altered] == \
        [("p1", None), ("p2", None), ("p1", 4)], altered  # two heads, chain 4
    assert "signature does not match" in altered[0]["detail"], altered[0]
    assert "every_s" in altered[1]["detail"], altered[1]
    assert [a["chain_from"] for a in kinds["bad-signature"]] == [8], kinds["bad-signature"]
    assert [(a["chain_from"], a["project"]) for a in kinds["restarted"]] == [(1, "p1")]
    assert [(a["gateway"], a["project"]) for a in kinds["not-enrolled"]] == [("gw-b", "p9")]
    assert kinds["offline"][0]["project"] is None and "will" in kinds["offline"][0]["detail"]
    assert kinds["withheld-tail"][0]["chain_from"] == 7, kinds["withheld-tail"]
    assert not set(kinds) & {"unknown-key", "refit", "double-counted"}, kinds.keys()
    rc, open_now = alerts(confs[0], "--open")
    assert rc == 1 and all(a["state"] == "open" for a in open_now), open_now
    T.wait_until(lambda: len(retained_alerts(port)) >= 9, 10, "retained alerts")
    ret = retained_alerts(port)
    t = PREFIX + "/hub/alerts/gw-a/p1/missing/3"
    assert ret[t]["state"] == "open" and ret[t]["chain_from"] == 3, ret.get(t)
    assert ret[PREFIX + "/hub/alerts/gw-a/-/offline"]["state"] == "open"
    assert ret[PREFIX + "/hub/alerts/gw-a/p1/altered/head"]["schema"] == "mvgate/alert/1"

    # chain 3 arrives, the gateway is back, a head again
    pub(port, p1.topic("interval"), c3)
    pub(port, PREFIX + "/gw-a/status",
        b'{"schema":"mvgate/status/1","state":"online","gateway":"gw-a","ts_ms":1}', retain=True)
    pub(port, p1.topic("head"), head("gw-a", "p1", k, p1.n, p1.prev, every_s=60))

    def cleared(x):
        return all(y["state"] == "cleared" for y in x)
    kinds = wait_alert(confs[0], lambda a: all(x in a for x in (
        "unknown-key", "refit", "double-counted")) and cleared(a["missing"]) and
        cleared(a["offline"]) and cleared(a["withheld-tail"]), "chain 3's successors decided")
    assert [(a["gateway"], a["project"], a["chain_from"]) for a in kinds["unknown-key"]] == \
        [("gw-a", "p1", 5)], kinds["unknown-key"]
    assert k3.fp in kinds["unknown-key"][0]["detail"]
    assert [(a["chain_from"], a["severity"], a["state"]) for a in kinds["refit"]] == \
        [(6, "info", "info")], kinds["refit"]
    dc = kinds["double-counted"]
    assert len(dc) == 1 and "10.0.0.5" in dc[0]["detail"] and "p1" in dc[0]["detail"] and \
        dc[0]["project"] == "p2" and dc[0]["state"] == "open", dc
    assert "definition-change" not in kinds
    rc, open_now = alerts(confs[0], "--open")
    assert not any(a["severity"] == "info" or a["kind"] == "missing" for a in open_now)
    T.wait_until(lambda: retained_alerts(port).get(t, {}).get("state") == "cleared", 10,
                 "the missing alert's retained message cleared")
    ret = retained_alerts(port)
    assert ret[PREFIX + "/hub/alerts/gw-a/-/offline"]["cleared"], ret
    assert ret[PREFIX + "/hub/alerts/gw-a/p1/unknown-key/5"]["state"] == "open"

    # p2 no longer names the meter: a definition change, the double count cleared
    other = dict(meter, unit_id=2)
    pub(port, p2.topic("definition"), p2.next("definition", definition(2, [other]), k))
    kinds = wait_alert(confs[0], lambda a: "definition-change" in a and
                       cleared(a["double-counted"]), "the double count cleared")
    assert [(a["project"], a["chain_from"]) for a in kinds["definition-change"]] == [("p2", 2)]

    # definitions that state "counts" (what the gateway's engine counts as use or
    # emission): two projects reading one meter, each counting another point of
    # it (a sub-meter's channel, a temperature as an x), count nothing twice;
    # when both count one point, the alert names it
    m5 = dict(meter, device="m5", host="10.0.0.9")
    p5, p6 = Chain("gw-a", "p5"), Chain("gw-a", "p6")

    def counted(version, points):
        return definition(version, [m5]) + ',"counts":%s' % json.dumps(points)
    pub(port, p5.topic("definition"), p5.next("definition", counted(1, ["m5.e"]), k))
    pub(port, p6.topic("definition"), p6.next("definition", counted(1, ["m5.t"]), k))
    pub(port, p6.topic("definition"), p6.next("definition", counted(2, ["m5.t", "m5.f"]), k))
    kinds = wait_alert(confs[0], lambda a: any(x["project"] == "p6" and x["chain_from"] == 2
                                               for x in a.get("definition-change", [])),
                       "p6's second definition decided")
    assert not [x for x in kinds.get("double-counted", []) if x["project"] in ("p5", "p6")
                and x["state"] == "open"], kinds["double-counted"]
    pub(port, p6.topic("definition"), p6.next("definition", counted(3, ["m5.t", "m5.e"]), k))
    kinds = wait_alert(confs[0], lambda a: any(x["project"] in ("p5", "p6") and
                                               x["state"] == "open"
                                               for x in a.get("double-counted", [])),
                       "the point counted twice")
    dc = [x for x in kinds["double-counted"] if x["project"] in ("p5", "p6")]
    assert len(dc) == 1 and "point e" in dc[0]["detail"] and "10.0.0.9" in dc[0]["detail"], dc

    # each alert once: one row per identity, one log line per raise and clear
    rc, all_docs = alerts(confs[0])
    keys = [(a["kind"], a["gateway"], a["project"], a["chain_from"], a["detail"])
            for a in all_docs]
    assert len(keys) == len(set(keys)), all_docs
    for h in hubs:
        h.pump(0.3)
    raised = [l for h in hubs for l in h.err_lines if "alert raised: " in l or
              "alert (info): " in l]
    cleared_lines = [l for h in hubs for l in h.err_lines if "alert cleared: " in l]
    assert len(raised) == len(all_docs), (raised, len(all_docs))
    assert len(cleared_lines) == sum(1 for a in all_docs if a["state"] == "cleared"), \
        cleared_lines
    assert any("alert raised: missing: gateway gw-a project p1 chain 3:" in l for l in raised)
    assert any("alert cleared: missing: gateway gw-a project p1 chain 3:" in l
               for l in cleared_lines), cleared_lines
    r = mvgate("hub", "alerts", "-c", confs[0])
    assert "open unknown-key: gateway gw-a project p1 chain 5:" in r.stdout, r.stdout
    assert "cleared missing: gateway gw-a project p1 chain 3:" in r.stdout, r.stdout
    return all_docs


def test_alerts_sqlite():
    with T.TempDir() as d:
        port = T.free_port()
        broker = T.Mosquitto(d, port)
        T.write(os.path.join(d, "register.txt"), "")
        conf = T.hub_conf(d, "hub-a", port, 'backend = "sqlite"; path = "%s/hub.db";' % d,
                          top="missing_grace_s = 2;")
        hub = T.start_hub(conf)
        try:
            scenario(d, port, [conf], [hub])
            with sqlite3.connect(os.path.join(d, "hub.db")) as c:
                n = c.execute("SELECT COUNT(*) FROM hub_alerts").fetchone()[0]
                by = {r[0] for r in c.execute("SELECT DISTINCT raised_by FROM hub_alerts")}
                # the grace: raised no sooner than missing_grace_s after chain 4 came
                raised, c4_ms = c.execute(
                    "SELECT a.raised_ms, r.first_ms FROM hub_alerts a, hub_records r WHERE"
                    " a.kind = 'missing' AND r.project = 'p1' AND r.chain = 4 AND"
                    " r.verdict = 'ok'").fetchone()
                # the hub's own alerts come back through its subscription: not noted
                own = c.execute("SELECT COUNT(*), COUNT(note) FROM hub_messages WHERE"
                                " topic LIKE 'mvgate/v1/hub/alerts/%'").fetchone()
            assert n >= 12 and by == {"hub-a"}, (n, by)
            assert raised - c4_ms >= 2000, (raised, c4_ms)
            assert own[0] >= n and own[1] == 0, own
            assert hub.stop() == 0, hub.err_lines[-10:]
        finally:
            hub.stop()
            broker.stop()


def test_alerts_postgres_two_instances():
    pg = T.Postgres()
    try:
        with T.TempDir() as d:
            port = T.free_port()
            broker = T.Mosquitto(d, port)
            T.write(os.path.join(d, "register.txt"), "")
            db = 'backend = "postgresql"; conninfo = "%s";' % pg.conninfo()
            # no shared group: both receive every message and race on every alert
            confs = [T.hub_conf(d, n, port, db, top="missing_grace_s = 2;")
                     for n in ("hub-1", "hub-2")]
            hubs = [T.start_hub(c) for c in confs]
            try:
                docs = scenario(d, port, confs, hubs)
                rows = pg.psql("SELECT ident, COUNT(*) FROM hub_alerts GROUP BY ident")
                assert len(rows) == len(docs) and all(c == "1" for _, c in rows), rows
                for h in hubs:
                    assert h.stop() == 0, h.err_lines[-10:]
            finally:
                for h in hubs:
                    h.stop()
                broker.stop()
    finally:
        pg.stop()


def test_tls():
    with T.TempDir() as d:
        certs = os.path.join(d, "certs")
        os.mkdir(certs)
        T.tls_files(certs)
        other = os.path.join(d, "other")
        os.mkdir(other)
        T.tls_files(other)  # another CA: the broker's certificate is not its
        port, tls_port, mtls_port = T.free_port(), T.free_port(), T.free_port()
        broker = T.Mosquitto(d, port, tls_port=tls_port, tls_dir=certs)
        d2 = os.path.join(d, "b2")
        os.mkdir(d2)
        mbroker = T.Mosquitto(d2, T.free_port(), tls_port=mtls_port, tls_dir=certs,
                              require_certificate=True)
        T.write(os.path.join(d, "register.txt"), "")
        db = 'backend = "sqlite"; path = "%s/hub.db";' % d
        hubs = []
        try:
            conf = T.hub_conf(d, "hub-tls", 0, db, uri="ssl://127.0.0.1:%d" % tls_port,
                              mqtt='ca_file = "%s/ca.crt";' % certs)
            hubs.append(T.start_hub(conf))
            T.mqtt_publish(broker.port, PREFIX + "/gw-t/status",
                           b'{"schema":"mvgate/status/1","state":"offline","gateway":"gw-t"}')
            # the message came through the TLS session: the offline alert
            wait_alert(conf, lambda a: "offline" in a, "an alert over TLS", timeout=15)
            assert hubs[0].stop() == 0

            mconf = T.hub_conf(d, "hub-mtls", 0, 'backend = "sqlite"; path = "%s/m.db";' % d,
                               uri="mqtts://localhost:%d" % mtls_port,
                               mqtt='ca_file = "%s/ca.crt"; cert_file = "%s/client.crt";'
                               ' key_file = "%s/client.key";' % (certs, certs, certs))
            hubs.append(T.start_hub(mconf))
            T.mqtt_publish(mbroker.port, PREFIX + "/gw-m/status",
                           b'{"schema":"mvgate/status/1","state":"offline","gateway":"gw-m"}')
            wait_alert(mconf, lambda a: "offline" in a, "an alert over mutual TLS", timeout=15)
            assert hubs[1].stop() == 0

            # without the client certificate the mutual-TLS listener refuses
            nconf = T.hub_conf(d, "hub-nocert", 0, db, uri="ssl://127.0.0.1:%d" % mtls_port,
                               mqtt='ca_file = "%s/ca.crt";' % certs)
            hubs.append(T.Proc([T.binary("mvgate-hub"), "-c", nconf], name="mvgate-hub"))
            # (30 s: the hub's connect timeout is 10 s, a loaded sanitizer
            # build may need more than one attempt to print the reason)
            hubs[-1].wait_line(r"mqtt: .*(TLS|closed)", timeout=30, stream="err")
            assert not any("subscribed to" in l for l in hubs[-1].err_lines), hubs[-1].err_lines

            # a wrong CA: the handshake fails and says why
            wconf = T.hub_conf(d, "hub-wrong", 0, db, uri="ssl://127.0.0.1:%d" % tls_port,
                               mqtt='ca_file = "%s/ca.crt";' % other)
            hubs.append(T.Proc([T.binary("mvgate-hub"), "-c", wconf], name="mvgate-hub"))
            line = hubs[-1].wait_line(r"TLS handshake", timeout=15, stream="err").string
            assert "TLS handshake with 127.0.0.1:%d failed: " % tls_port in line, line
            assert any(w in line for w in ("self-signed certificate in certificate chain",
                                           "certificate signature failure",
                                           "unable to get local issuer certificate")), line
            assert "checked against ca_file %s/ca.crt" % other in line, line
            assert not any("subscribed to" in l for l in hubs[-1].err_lines)
        finally:
            for h in hubs:
                h.stop()
            broker.stop()
            mbroker.stop()


if __name__ == "__main__":
    T.main([test_tls, test_alerts_sqlite, test_alerts_postgres_two_instances])
