"""Evidence a verifier can hold the gateway to, end to end with a real
mosquitto: mvgated (simulated compressor, x600) publishes its records, its
key is rotated (mvgate key rotate, SIGHUP) half way; one subscriber
captures from the start, a second one joins after the rotation.

- The verifier's register comes from `mvgate key show` at commissioning.
- A complete forgery (every record re-signed under a new key, the
  identity replaced, one savings figure inflated by 20 %), as an export,
  as a capture and as a store under data_dir, passes `mvgate verify` and
  `mvgate report` only as "self-attested", and fails both given
  --enrolled.
- The retained totals altered, a record republished on another project's
  topic and a dropped key record are each named with their position.
- The late subscriber gets the key history retained (identity, every key
  record) and verifies the retained messages from the enrolled key."""

import base64
import glob
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, SCALE, Mosquitto, key_lines, mvgate, plant_s  # noqa: E402
from mvgtest import ORIGIN_S, SHORT_PROJECT as PROJECT  # noqa: E402

GW = "gw-demo-compressor"
TOPICS = "mvgate/v1/%s/" % GW


def subscriber(port, path, name):
    """mosquitto_sub -v of the gateway's topics into path."""
    out = open(path, "w")
    p = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-v", "-q", "1",
                          "-i", name, "-t", TOPICS + "#"], stdout=out, stderr=subprocess.DEVNULL)
    return p, out


def stop_subscriber(sub):
    p, out = sub
    p.terminate()
    p.wait()
    out.close()


def lines_of(path):
    with open(path) as f:
        return [l.rstrip("\n") for l in f if l.strip()]


def published_after_key(d):
    """How many interval records the first subscriber has had since the key
    record: a subscriber joining after two gets the key record retained,
    not live."""
    kinds = [kind_of(l) for l in lines_of(os.path.join(d, "full.txt"))]
    return kinds[kinds.index("key"):].count("interval") if "key" in kinds else 0


def run_gateway(d, port):
    """Runs the gateway for 2.2 plant hours with a key rotation at 1.4 h;
    returns (cfg, register, first key, the full capture, the late one)."""
    full = subscriber(port, os.path.join(d, "full.txt"), "full")
    late = None
    anchor = time.time()
    sim = T.plant_sim("compressor", 5)
    gw = None
    try:
        cfg = T.fast_gateway_config("compressor", sim.port, d, PROJECT + """
mqtt = { uri = "tcp://127.0.0.1:%d"; telemetry = "every"; telemetry_every = 50; };
""" % port)
        gw = T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name="mvgated")
        T.wait_until(lambda: os.path.exists(os.path.join(d, "gateway.pub")), 10, "the gateway key")
        # commissioning: the register gets the first key's line
        register = T.enrol(cfg, os.path.join(d, "register.txt"))
        first_key = key_lines(mvgate("key", "show", "-c", cfg).stdout)[0]["public key"]
        rotated = switched = False
        while plant_s(anchor) < ORIGIN_S + 2.2 * 3600:
            gw.pump(0.05)
            h = (plant_s(anchor) - ORIGIN_S) / 3600
            if not switched and h >= 1.0:
                assert sim.control("phase retrofit").startswith("ok")
                switched = True
            if not rotated and h >= 1.4:
                assert mvgate("key", "rotate", "-c", cfg).returncode == 0
                gw.signal(signal.SIGHUP)
                rotated = True
            if rotated and late is None and h >= 1.7 and published_after_key(d) >= 2:
                late = subscriber(port, os.path.join(d, "late.txt"), "late")
        assert late, "the key record never reached the first subscriber"
        assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        gw = None
        # the last messages reach both subscribers: the offline status comes last
        for name in ("full.txt", "late.txt"):
            T.wait_until(lambda: any("/status " in l and '"offline"' in l
                                     for l in lines_of(os.path.join(d, name))),
                         10, "the offline status in %s" % name)
    finally:
        if gw:
            gw.stop()
        sim.stop()
        stop_subscriber(full)
        if late:
            stop_subscriber(late)
    assert not os.path.exists(os.path.join(d, "gateway.key.next")), "the rotation was not applied"
    return cfg, register, first_key, lines_of(os.path.join(d, "full.txt")), \
        lines_of(os.path.join(d, "late.txt"))


def verify(*args):
    r = mvgate("verify", *args)
    return r.returncode, r.stdout.strip(), r.stderr.strip()


def kind_of(line):
    """The kind of record a capture line's topic carries ("interval", ...)."""
    topic = line.split(" ", 1)[0]
    rest = topic[len(TOPICS):].split("/")
    return rest[0]


# ---- the forger: new key, every record re-signed and relinked ----

def forger_key():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives import serialization
    sk = Ed25519PrivateKey.generate()
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return sk, base64.b64encode(pk).decode(), hashlib.sha256(pk).hexdigest()[:32]


def forge(records, key, inflate_seq):
    """records: the chained records' bytes of one project in chain order.
    Each is re-signed with key, relinked, the key records rotate to the
    forger's own key, and interval seq inflate_seq gets 20 % more savings.
    Returns the forged bytes in the same order."""
    sk, pk_b64, fp = key
    prev, out = "0" * 64, []
    for raw in records:
        doc = json.loads(raw)
        del doc["sig"]
        if doc["schema"].startswith("mvgate/key/"):
            doc["new_key"], doc["new_fingerprint"] = pk_b64, fp
        if doc.get("seq") == inflate_seq and doc["schema"].startswith("mvgate/interval/"):
            cum = doc["streams"][0]["cumulative"]
            cum["savings"] = cum["savings"] * 1.2
        doc["key"], doc["prev"] = fp, prev
        text = json.dumps(doc, separators=(",", ":")).encode()
        sig = base64.b64encode(sk.sign(text)).decode()
        signed = text[:-1] + (',"sig":"%s"}' % sig).encode()
        out.append(signed)
        prev = hashlib.sha256(signed).hexdigest()
    return out


def forge_head(raw, forged, key):
    """A head record re-signed by the forger over its forged chain (forged:
    the forged records' bytes by chain position - 1)."""
    sk, _, fp = key
    doc = json.loads(raw)
    del doc["sig"]
    doc["head_hash"] = hashlib.sha256(forged[doc["head"] - 1]).hexdigest()
    doc["key"] = fp
    text = json.dumps(doc, separators=(",", ":")).encode()
    return text[:-1] + (',"sig":"%s"}' % base64.b64encode(sk.sign(text)).decode()).encode()


def ok_line(out):
    return next((l for l in out.splitlines() if l.startswith("OK: ")), "")


def forge_totals(line, forged_interval):
    """A totals line made to agree with the forged interval record."""
    topic, payload = line.split(" ", 1)
    doc, rec = json.loads(payload), json.loads(forged_interval)
    for s, r in zip(doc["streams"], rec["streams"]):
        s["cumulative"] = r["cumulative"]
    return "%s %s" % (topic, json.dumps(doc, separators=(",", ":")))


def check_forgeries(d, cfg, register, first_key, full):
    key = forger_key()
    chained = [l for l in full if kind_of(l) in ("interval", "model", "key", "definition")]
    raws = [l.split(" ", 1)[1].encode() for l in chained]
    last_seq = max(json.loads(r)["seq"] for r in raws if b'"mvgate/interval/' in r)
    forged = forge(raws, key, last_seq)
    by_raw = dict(zip(raws, forged))

    # ---- a forged capture: identity replaced, totals made to agree
    identity = json.dumps({"schema": "mvgate/identity/1", "gateway": GW, "key": key[1],
                           "fingerprint": key[2], "algorithm": "Ed25519"}, separators=(",", ":"))
    forged_last = [f for f in forged if json.loads(f).get("seq") == last_seq][0].decode()
    cap = []
    for l in full:
        topic, payload = l.split(" ", 1)
        if kind_of(l) == "identity":
            cap.append("%s %s" % (topic, identity))
        elif payload.encode() in by_raw:
            cap.append("%s %s" % (topic, by_raw[payload.encode()].decode()))
        elif kind_of(l) == "head":
            cap.append("%s %s" % (topic, forge_head(payload.encode(), forged, key).decode()))
        elif kind_of(l) == "totals" and json.loads(payload)["seq"] == last_seq:
            cap.append(forge_totals(l, forged_last))
        else:
            cap.append(l)
    fcap = T.write(os.path.join(d, "forged-capture.txt"), "\n".join(cap) + "\n")
    # the key from the (forged) identity topic: the chain holds, as its own word
    rc, out, err = verify("--pubkey", key[1], "--mqtt-capture", fcap)
    assert rc == 0 and ok_line(out) and "\nself-attested: " in out, (out, err)
    rc, out, err = verify("--pubkey", key[1], "--mqtt-capture", fcap, "--enrolled", register)
    assert rc == 1 and out.startswith("project comp-vsd chain 1 (definition version 1): not enrolled: "
                                      "the chain starts with key %s" % key[2]), (out, err)
    assert register + ":2" in out, out
    # the genuine capture under the enrolled key
    real = T.write(os.path.join(d, "capture.txt"), "\n".join(full) + "\n")
    rc, out, err = verify("--pubkey", first_key, "--mqtt-capture", real, "--enrolled", register)
    assert rc == 0 and "\nenrolled: gateway %s, first key " % GW in out, (out, err)
    assert "totals message(s) agree" in err, err

    # ---- a forged store under data_dir: the report reads it
    d2 = os.path.join(d, "forged")
    os.mkdir(d2)
    for f in glob.glob(os.path.join(d, "mvgate.db*")):
        shutil.copy(f, d2)
    with open(os.path.join(d2, "gateway.pub"), "w") as f:
        f.write(key[1] + "\n")
    with open(cfg) as f:
        cfg2 = T.write(os.path.join(d2, "gw.conf"), f.read().replace(d, d2))
    db = sqlite3.connect(os.path.join(d2, "mvgate.db"), isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    for table in ("intervals", "models", "key_records", "definition_records"):
        for chain, payload in db.execute("SELECT chain, payload FROM %s WHERE project = ?" % table,
                                         ("comp-vsd",)).fetchall():
            raw = payload if isinstance(payload, bytes) else payload.encode()
            db.execute("UPDATE %s SET payload = ? WHERE project = ? AND chain = ?" % table,
                       (by_raw[raw].decode(), "comp-vsd", chain))
    for hid, payload in db.execute("SELECT id, payload FROM heads").fetchall():
        raw = payload if isinstance(payload, bytes) else payload.encode()
        db.execute("UPDATE heads SET payload = ? WHERE id = ?",
                   (forge_head(raw, forged, key).decode(), hid))
    db.execute("COMMIT")
    db.close()

    def report(c, *extra):
        return T.run([T.binary("mvgate"), "report", "-c", c, "--project", "comp-vsd",
                      "--format", "json"] + list(extra))

    r = report(cfg2)
    assert r.returncode == 0, r.stderr
    chain = json.loads(r.stdout)["chain"]
    assert chain["ok"] and chain["attestation"] == "self-attested", chain
    assert chain["fingerprint"] == key[2], chain
    r = report(cfg2, "--enrolled", register)
    assert r.returncode == 1 and "does NOT hold" in r.stderr, (r.returncode, r.stderr)
    chain = json.loads(r.stdout)["chain"]
    assert not chain["ok"] and "chain 1 (definition version 1): not enrolled" in chain["line"], chain
    # the genuine store, enrolled
    r = report(cfg, "--enrolled", register)
    assert r.returncode == 0, r.stderr
    chain = json.loads(r.stdout)["chain"]
    assert chain["ok"] and chain["attestation"] == "enrolled", chain
    assert chain["trust"].startswith("enrolled: gateway %s" % GW), chain
    # the forged store's export: verify tells it the same way
    r = mvgate("export", "-c", cfg2, "--format", "jsonl", "--what", "chain")
    assert r.returncode == 0, r.stderr
    fexp = T.write(os.path.join(d, "forged-export.jsonl"), r.stdout)
    rc, out, _ = verify("--pubkey", key[1], "--export", fexp)
    assert rc == 0 and "\nself-attested: " in out, out
    rc, out, _ = verify("--pubkey", key[1], "--export", fexp, "--enrolled", register)
    assert rc == 1 and "chain 1 (definition version 1): not enrolled" in out, out
    # a register that does not parse is a usage error, named by line
    bad = T.write(os.path.join(d, "bad-register.txt"), "# x\n%s 1234\n" % GW)
    rc, out, err = verify("--pubkey", first_key, "--export", fexp, "--enrolled", bad)
    assert rc == 2 and "%s:2: the fingerprint of gateway %s has fewer than 32" % (bad, GW) in err, err


def check_named_faults(d, first_key, register, full):
    def capture(name, lines_):
        return T.write(os.path.join(d, name), "\n".join(lines_) + "\n")

    def expect(lines_, starts):
        rc, out, err = verify("--pubkey", first_key, "--mqtt-capture", capture("fault.txt", lines_),
                              "--enrolled", register)
        assert rc == 1 and out.startswith(starts), "%r, wanted %r (%s)" % (out, starts, err)

    # the retained totals altered x10: named with the figure
    ti = max(i for i, l in enumerate(full) if kind_of(l) == "totals")
    topic, payload = full[ti].split(" ", 1)
    doc = json.loads(payload)
    seq = doc["seq"]
    was = doc["streams"][0]["cumulative"]["savings"]
    doc["streams"][0]["cumulative"]["savings"] = was * 10
    altered = list(full)
    altered[ti] = "%s %s" % (topic, json.dumps(doc, separators=(",", ":")))
    expect(altered, "project comp-vsd totals (seq %d): altered: streams[electricity]"
                    ".cumulative.savings: totals " % seq)
    # an interval record republished on another project's topic
    ii = [i for i, l in enumerate(full) if kind_of(l) == "interval"][5]
    topic, payload = full[ii].split(" ", 1)
    rec = json.loads(payload)
    moved = full + ["%s %s" % (TOPICS + "interval/other-line", payload)]
    expect(moved, "project comp-vsd chain %d (interval seq %d): wrong topic: item "
           % (rec["chain"], rec["seq"]))
    # the key record dropped: the position it left is missing
    ki = [i for i, l in enumerate(full) if kind_of(l) == "key"]
    assert len(ki) == 1, ki
    kchain = json.loads(full[ki[0]].split(" ", 1)[1])["chain"]
    assert full[ki[0]].split(" ", 1)[0] == TOPICS + "key/comp-vsd/%d" % kchain
    expect(full[:ki[0]] + full[ki[0] + 1:],
           "project comp-vsd chain %d " % (kchain + 1))
    rc, out, _ = verify("--pubkey", first_key, "--mqtt-capture",
                        capture("nokey.txt", full[:ki[0]] + full[ki[0] + 1:]))
    assert "missing (chain %d..%d)" % (kchain, kchain) in out, out


def check_late_subscriber(d, first_key, register, late):
    kinds = [kind_of(l) for l in late]
    # what the broker retained comes first: the identity and the key history
    assert "identity" in kinds and "key" in kinds, kinds[:10]
    first_interval = kinds.index("interval")
    assert kinds.index("key") < first_interval, kinds[:10]
    path = T.write(os.path.join(d, "late-capture.txt"), "\n".join(late) + "\n")
    live = json.loads(late[first_interval].split(" ", 1)[1])["chain"]
    # it begins mid-chain: a cut head unless the verifier says where it starts
    rc, out, err = verify("--pubkey", first_key, "--mqtt-capture", path, "--enrolled", register)
    assert rc == 1 and "project comp-vsd: cut head: chain 1.." in out, (out, err)
    rc, out, err = verify("--pubkey", first_key, "--mqtt-capture", path, "--enrolled", register,
                          "--from-chain", "comp-vsd=%d" % live)
    assert rc == 0, (out, err)
    assert "project comp-vsd: chain %d.." % live in out and "reaches the last head" in out, out
    assert "1 key rotation(s), now key" in out and "\nenrolled: gateway %s" % GW in out, out
    assert "1 retained key record(s)" in err and "1 retained model record(s)" in err, err
    # without the retained key record (as on a broker that kept none) the
    # late subscriber cannot follow the chain from the enrolled key
    rc, out, _ = verify("--pubkey", first_key, "--mqtt-capture",
                        T.write(os.path.join(d, "late-nokey.txt"),
                                "\n".join(l for l in late if kind_of(l) != "key") + "\n"),
                        "--enrolled", register)
    assert rc == 1 and "unknown key" in out, out


def test_enrolled_evidence():
    with T.TempDir() as d:
        port = T.free_port()
        broker = Mosquitto(d, port)
        try:
            cfg, register, first_key, full, late = run_gateway(d, port)
        finally:
            broker.stop()
        check_forgeries(d, cfg, register, first_key, full)
        check_named_faults(d, first_key, register, full)
        check_late_subscriber(d, first_key, register, late)


if __name__ == "__main__":
    T.main([test_enrolled_evidence])
