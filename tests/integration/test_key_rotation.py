"""Key rotation when things go wrong between its two steps (the key
records committed to the store, then the key files promoted):

- the daemon dies after the commit and before the promotion: at the next
  start it must promote the pending key and sign with it, without writing
  the key record a second time;
- a running daemon finds its project's chain already handed over to the
  pending key (a reload that rotated and then failed before taking over):
  its next record must be signed by the new key, not the old one.

Both are staged by writing the key record the way the daemon does (signed
with the gateway's current secret key by the cryptography package) into
the store, next to a pending key from `mvgate key rotate`. The chain must
verify from the first key through the rotation, with exactly one key
record."""

import base64
import hashlib
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, SCALE, key_lines, mvgate  # noqa: E402
from mvgtest import SHORT_PROJECT as PROJECT  # noqa: E402

GW = "gw-demo-compressor"


def find(d, name):
    for root, _, files in os.walk(d):
        if name in files:
            return os.path.join(root, name)
    raise AssertionError("no %s under %s" % (name, d))


def write_handover(d, project):
    """Signs and stores the key record of a pending rotation with the
    current key, as the daemon's rotation transaction would."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    with open(find(d, "gateway.key")) as f:
        secret = base64.b64decode(f.read().strip())   # libsodium: seed || public key
    with open(find(d, "gateway.pub.next")) as f:
        new_b64 = f.read().strip()
    sk = Ed25519PrivateKey.from_private_bytes(secret[:32])
    fp = hashlib.sha256(secret[32:]).hexdigest()[:32]
    new_fp = hashlib.sha256(base64.b64decode(new_b64)).hexdigest()[:32]
    db = sqlite3.connect(find(d, "mvgate.db"), timeout=10, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    last = None
    for table in ("intervals", "models", "key_records"):
        row = db.execute("SELECT chain, payload FROM %s WHERE project = ? AND chain IS NOT NULL"
                         " ORDER BY chain DESC LIMIT 1" % table, (project,)).fetchone()
        if row and (last is None or row[0] > last[0]):
            last = row
    chain = last[0] + 1
    prev = hashlib.sha256(last[1].encode()).hexdigest()
    text = ('{"schema":"mvgate/key/1","gateway":"%s","project":"%s","created":"2026-11-29T00:00:00.000Z",'
            '"algorithm":"Ed25519","new_key":"%s","new_fingerprint":"%s","chain":%d,"key":"%s",'
            '"prev":"%s"}' % (GW, project, new_b64, new_fp, chain, fp, prev))
    sig = base64.b64encode(sk.sign(text.encode())).decode()
    record = text[:-1] + ',"sig":"%s"}' % sig
    db.execute("INSERT INTO key_records(project, chain, created_ms, payload) VALUES(?, ?, 0, ?)",
               (project, chain, record))
    db.execute("COMMIT")
    db.close()
    return fp, new_fp


def chain_of(cfg):
    r = mvgate("export", "-c", cfg, "--format", "jsonl", "--what", "chain")
    assert r.returncode == 0, r.stderr
    return r.stdout, [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def check_chain(d, cfg, first_key, old_fp, new_fp):
    text, chain = chain_of(cfg)
    kinds = [c["kind"] for c in chain]
    assert kinds.count("key") == 1, kinds
    k = kinds.index("key")
    assert k + 1 < len(chain), "no record after the rotation"
    assert all(c["record"]["key"] == old_fp for c in chain[:k + 1])
    assert all(c["record"]["key"] == new_fp for c in chain[k + 1:]), [c["record"]["key"] for c in chain]
    path = T.write(os.path.join(d, "chain.jsonl"), text)
    v = mvgate("verify", "--pubkey", first_key, "--export", path)
    assert v.returncode == 0 and "1 key rotation(s), now key %s" % new_fp in v.stdout, v.stdout
    assert not os.path.exists(find(d, "gateway.key") + ".next")
    return len(chain) - k - 1


def gateway_config(d, sim, anchor):
    """The accelerated daemon's config and command line, its plant clock
    started with the simulator's at anchor."""
    cfg = T.fast_gateway_config("compressor", sim.port, d, PROJECT)
    return cfg, T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor)


def current_key(cfg):
    """The base64 public key `mvgate key show` prints first."""
    return key_lines(mvgate("key", "show", "-c", cfg).stdout)[0]["public key"]


def test_crash_between_commit_and_promotion():
    with T.TempDir() as d:
        anchor = time.time()
        sim = T.plant_sim("compressor", 5)
        try:
            cfg, args = gateway_config(d, sim, anchor)
            gw = T.Proc(args, name="mvgated")
            time.sleep(3)   # 0.5 plant hours: 6 records
            assert gw.stop() == 0
            first_key = current_key(cfg)
            assert mvgate("key", "rotate", "-c", cfg).returncode == 0
            old_fp, new_fp = write_handover(d, "comp-vsd")   # the commit; then the "crash"
            gw = T.Proc(args, name="mvgated")
            time.sleep(3)
            assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        finally:
            sim.stop()
        assert check_chain(d, cfg, first_key, old_fp, new_fp) >= 3
        shown = mvgate("key", "show", "-c", cfg).stdout
        assert "fingerprint: %s" % new_fp in shown.splitlines()[1], shown


def test_running_daemon_follows_a_handover():
    with T.TempDir() as d:
        anchor = time.time()
        sim = T.plant_sim("compressor", 5)
        try:
            cfg, args = gateway_config(d, sim, anchor)
            gw = T.Proc(args, name="mvgated")
            time.sleep(3)
            first_key = current_key(cfg)
            assert mvgate("key", "rotate", "-c", cfg).returncode == 0
            # no reload: the running pipeline still holds the old key
            old_fp, new_fp = write_handover(d, "comp-vsd")
            time.sleep(3)
            gw.pump(0.1)
            assert any("key rotated: %s" % new_fp in l for l in gw.err_lines), gw.err_lines[-10:]
            assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        finally:
            sim.stop()
        assert check_chain(d, cfg, first_key, old_fp, new_fp) >= 3


if __name__ == "__main__":
    T.main([test_crash_between_commit_and_promotion, test_running_daemon_follows_a_handover])
