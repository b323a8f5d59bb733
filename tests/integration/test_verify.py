"""Signed, hash-chained records end to end: mvgated (simulated compressor
plant, x600, short baseline, SIGKILL restarts, a key rotation applied on
SIGHUP) signs every interval, model and key record into the project's
chain; the export verifies with `mvgate verify` and, independently, with
Python (hashlib for the prev chain, the cryptography package for the
signatures, following the byte rules of docs/mqtt.md "Signed records").
Tampered copies of the export (a flipped byte, a deleted line, the model
record deleted or altered, two lines swapped, an old line replayed, another
gateway's key, a record after the rotation signed with the old key) fail
with exit 1 and the right word."""

import base64
import hashlib
import json
import os
import signal
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, SCALE, key_lines, mvgate  # noqa: E402
from mvgtest import SHORT_PROJECT as PROJECT  # noqa: E402

SIG_SUFFIX = len(',"sig":"') + 88 + len('"}')


def run_gateway(d, hours, kills_at=(), rotate_at=None):
    """Runs mvgated on a fresh simulator for `hours` plant hours, SIGKILLing
    it at the given plant hours and rotating its key (mvgate key rotate,
    then SIGHUP) at rotate_at; returns the config path."""
    anchor = time.time()
    sim = T.plant_sim("compressor", 5)
    try:
        cfg = T.fast_gateway_config("compressor", sim.port, d, PROJECT)
        args = T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor)
        gw = T.Proc(args, name="mvgated")
        pending = sorted(kills_at)
        switched = False

        def plant_h():
            return (time.time() - anchor) * SCALE / 3600.0

        while plant_h() < hours:
            gw.pump(0.02)
            if not switched and plant_h() >= 1.0:
                assert sim.control("phase retrofit").startswith("ok")
                switched = True
            if pending and plant_h() >= pending[0]:
                pending.pop(0)
                gw = T.kill_and_restart(gw, args)
            if rotate_at is not None and plant_h() >= rotate_at:
                rotate_at = None
                r = mvgate("key", "rotate", "-c", cfg)
                assert r.returncode == 0 and "next key:" in r.stdout, r.stdout + r.stderr
                again = mvgate("key", "rotate", "-c", cfg)
                assert again.returncode == 2 and "already pending" in again.stderr, again.stderr
                gw.signal(signal.SIGHUP)
        time.sleep(2)
        assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
    finally:
        sim.stop()
    return cfg


def verify(key, path, mode="--export", *extra):
    r = mvgate("verify", "--pubkey", key, mode, path, *extra)
    return r.returncode, r.stdout.strip(), r.stderr.strip()


def ok_of(out):
    """verify's OK line (after the range line of each project)."""
    return next((l for l in out.splitlines() if l.startswith("OK: ")), "")


def record_bytes(line):
    """The raw record of an export line, as `mvgate verify` reads it."""
    i = line.index(',"record":') + len(',"record":')
    assert line.endswith("}")
    return line[i:-1].encode()


def python_walk(raws, pk):
    """The byte rules of docs/mqtt.md, checked independently of the C code,
    over a whole chain (key rotations followed). Returns the key signing at
    the end."""
    # (python3-cryptography: installed by tools/install-deps.sh)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    prev, seq, version, definitions = "0" * 64, 0, 0, 0
    for i, raw in enumerate(raws):
        doc = json.loads(raw)
        fp = hashlib.sha256(pk).hexdigest()[:32]
        assert doc["chain"] == i + 1 and doc["key"] == fp, (i, doc["chain"], doc["key"], fp)
        assert doc["prev"] == prev, "chain %d: prev %s, expected %s" % (i + 1, doc["prev"], prev)
        assert raw[-SIG_SUFFIX:].startswith(b',"sig":"') and raw.endswith(b'"}')
        sig = base64.b64decode(raw[-SIG_SUFFIX + 8:-2])
        assert sig == base64.b64decode(doc["sig"]) and len(sig) == 64
        signed = raw[:-SIG_SUFFIX] + b"}"
        assert json.loads(signed) == {k: v for k, v in doc.items() if k != "sig"}
        Ed25519PublicKey.from_public_bytes(pk).verify(sig, signed)  # raises when it does not verify
        kind = doc["schema"].split("/")[1]
        if kind == "interval":
            seq += 1
            assert doc["seq"] == seq
        elif kind == "model":
            version += 1
            assert doc["version"] == version
        elif kind == "definition":
            definitions += 1
            assert doc["version"] == definitions
        else:
            assert kind == "key", kind
            pk = base64.b64decode(doc["new_key"])
            assert hashlib.sha256(pk).hexdigest()[:32] == doc["new_fingerprint"]
        prev = hashlib.sha256(raw).hexdigest()
    return pk


def test_signed_chain_and_tampering():
    with T.TempDir() as d, T.TempDir() as d2:
        cfg = run_gateway(d, 2.5, kills_at=(0.7, 1.3, 1.9), rotate_at=1.6)

        # key files: secret 0600, public readable; key show matches the files
        kfile = pub = None
        for root, _, files in os.walk(d):
            if "gateway.key" in files:
                kfile, pub = os.path.join(root, "gateway.key"), os.path.join(root, "gateway.pub")
        assert kfile, "no gateway.key under %s" % d
        data_dir = os.path.dirname(kfile)
        assert stat.S_IMODE(os.stat(kfile).st_mode) == 0o600, oct(os.stat(kfile).st_mode)
        assert not os.path.exists(kfile + ".next"), "the rotation was not applied"
        shown = mvgate("key", "show", "-c", cfg)
        assert shown.returncode == 0, shown.stderr
        cur, others = key_lines(shown.stdout)
        key_now, fp_now = cur["public key"], cur["fingerprint"]
        with open(pub) as f:
            assert f.read().strip() == key_now
        retired = [v for k, v in others if k == "retired key"]
        assert len(retired) == 1, shown.stdout
        key_b64 = retired[0]  # the first key, which the chain starts with
        pk = base64.b64decode(key_b64)
        assert len(pk) == 32
        fp = hashlib.sha256(pk).hexdigest()[:32]
        assert os.path.exists(os.path.join(data_dir, "gateway.pub." + fp))
        assert fp_now == hashlib.sha256(base64.b64decode(key_now)).hexdigest()[:32] != fp
        with open(kfile) as f:
            secret_b64 = f.read().strip()
        assert secret_b64 not in shown.stdout

        r = mvgate("export", "-c", cfg, "--format", "jsonl", "--what", "chain")
        assert r.returncode == 0, r.stderr
        all_lines = [l for l in r.stdout.splitlines() if l.strip()]
        # the chained records; the signed heads (kind head) sit between them
        export_lines = [l for l in all_lines if json.loads(l)["kind"] != "head"]
        heads = [json.loads(l) for l in all_lines if json.loads(l)["kind"] == "head"]
        assert heads and heads[-1]["record"]["reason"] == "shutdown", heads[-1:]
        # the first start (its chain already holds the definition record) and 3 kills
        assert [h["record"]["reason"] for h in heads].count("start") == 4, heads
        n = len(export_lines)
        kinds = [json.loads(l)["kind"] for l in export_lines]
        assert kinds.count("model") == 1 and kinds.count("key") == 1, kinds
        assert kinds.count("interval") >= 20, kinds
        assert kinds.index("model") < kinds.index("key")
        good = T.write(os.path.join(d, "export.jsonl"), "\n".join(all_lines) + "\n")
        raws = [record_bytes(l) for l in export_lines]
        assert base64.b64encode(python_walk(raws, pk)).decode() == key_now

        # the Python steps printed in docs/mqtt.md, run as printed
        with open(os.path.join(T.SRC, "docs", "mqtt.md")) as f:
            doc = f.read()
        start = doc.index("```python\n", doc.index("## Signed records")) + len("```python\n")
        steps = T.write(os.path.join(d, "walk.py"), doc[start:doc.index("```", start)])
        r = T.run([sys.executable, steps, good, key_b64])
        assert r.returncode == 0 and r.stdout.strip() == \
            "%d records OK, %d heads OK, self-attested" % (n, len(heads)), r.stdout + r.stderr
        # ... and with the verifier's register: the first key's fingerprint, grouped
        grouped = " ".join(fp[i:i + 4] for i in range(0, 32, 4))
        register = T.write(os.path.join(d, "register.txt"),
                           "# commissioning\n\ngw-other %s\ngw-demo-compressor %s  # plant\n"
                           % ("0" * 32, grouped.upper()))
        r = T.run([sys.executable, steps, good, key_b64, register])
        assert r.returncode == 0 and r.stdout.strip() == \
            "%d records OK, %d heads OK, enrolled" % (n, len(heads)), r.stdout + r.stderr
        rc, out, err = verify(key_b64, good, "--export", "--enrolled", register)
        assert rc == 0 and out.splitlines()[2].startswith(
            "enrolled: gateway gw-demo-compressor, first key %s as enrolled (%s:4)" % (fp, register)), out + err
        other = T.write(os.path.join(d, "other.txt"), "gw-demo-compressor %s\n" % fp_now)
        r = T.run([sys.executable, steps, good, key_b64, other])
        assert r.returncode != 0 and "not enrolled" in r.stderr, r.stdout + r.stderr
        rc, out, _ = verify(key_b64, good, "--export", "--enrolled", other)
        assert rc == 1 and out.startswith("project comp-vsd chain 1 (definition version 1): not enrolled"), out

        rc, out, err = verify(key_b64, good)
        assert rc == 0, out + err
        range_line, ok_line, trust = out.splitlines()
        last = heads[-1]["record"]
        assert range_line == ("project comp-vsd: chain 1..%d checked, from the first record, reaches"
                              " the last head (chain %d, %s, shutdown)" % (n, n, last["time"])), out
        assert ok_line == "OK: %d records, 1 projects, key %s, 1 key rotation(s), now key %s" % (
            n, fp, fp_now), out
        # nothing but the key given vouches for it: said so
        assert trust.startswith("self-attested: the chain holds under the key given"), out
        rc, out, _ = verify(os.path.join(data_dir, "gateway.pub." + fp), good)  # the key as a path
        assert rc == 0 and ok_of(out).startswith("OK: %d records" % n), out
        # the new key alone does not vouch for what the old one signed
        rc, out, _ = verify(key_now, good)
        assert rc == 1 and out.startswith("project comp-vsd chain 1 (definition version 1): unknown key"), out
        # ... but does for a window after the rotation
        key_at = next(i for i, l in enumerate(all_lines) if json.loads(l)["kind"] == "key")
        after = T.write(os.path.join(d, "after.jsonl"), "\n".join(all_lines[key_at + 1:]) + "\n")
        k0 = kinds.index("key") + 2
        rc, out, _ = verify(key_now, after)  # it starts mid-chain: said, with where
        assert rc == 1 and out == ("project comp-vsd: cut head: chain 1..%d not in the input (it"
                                   " starts at chain %d; --from-chain comp-vsd=%d checks from"
                                   " there)" % (k0 - 1, k0, k0)), out
        rc, out, _ = verify(key_now, after, "--export", "--from-chain", "comp-vsd=%d" % k0)
        assert rc == 0 and "rotation" not in out, out
        assert out.startswith("project comp-vsd: chain %d..%d checked, from chain %d (--from-chain"
                              " %d)" % (k0, n, k0, k0)), out

        def tampered(name, lines_):
            return T.write(os.path.join(d, name), "\n".join(lines_) + "\n")

        def expect(path, word, chain):
            rc_, out_, err_ = verify(key_b64, path)
            assert rc_ == 1, (path, rc_, out_, err_)
            assert out_.startswith("project comp-vsd chain %d " % chain) and word in out_, \
                "%s: %r, wanted chain %d and %r" % (os.path.basename(path), out_, chain, word)

        intervals = [i for i, k in enumerate(kinds) if k == "interval"]
        im, ik = kinds.index("model"), kinds.index("key")
        # a flipped byte inside the 5th interval record (a digit of its end time's minutes)
        flip = list(export_lines)
        f5 = intervals[4]
        j = flip[f5].index('"end":"', flip[f5].index(',"record":')) + len('"end":"2026-01-05T00:')
        flip[f5] = flip[f5][:j] + ("1" if flip[f5][j] != "1" else "2") + flip[f5][j + 1:]
        expect(tampered("flip.jsonl", flip), "(interval seq 5): altered", f5 + 1)
        # a deleted line
        expect(tampered("delete.jsonl", export_lines[:7] + export_lines[8:]),
               "missing (chain 8..8)", 9)
        # the model record deleted, or one of its coefficients changed
        expect(tampered("nomodel.jsonl", export_lines[:im] + export_lines[im + 1:]),
               "missing (chain %d..%d)" % (im + 1, im + 1), im + 2)
        alt = list(export_lines)
        j = alt[im].index('"coefficients":[') + len('"coefficients":[')
        alt[im] = alt[im][:j] + ("9" if alt[im][j] != "9" else "8") + alt[im][j + 1:]
        expect(tampered("altmodel.jsonl", alt), "(model version 1): altered", im + 1)
        # the rotation record deleted: what follows is signed by a key never
        # introduced, and what is wrong is the gap the key record left
        expect(tampered("nokey.jsonl", export_lines[:ik] + export_lines[ik + 1:]),
               "missing (chain %d..%d)" % (ik + 1, ik + 1), ik + 2)
        # two lines swapped
        swap = list(export_lines)
        swap[10], swap[11] = swap[11], swap[10]
        expect(tampered("swap.jsonl", swap), "reordered", 12)
        # an old line replayed at the end
        expect(tampered("replay.jsonl", export_lines + [export_lines[2]]), "duplicated", 3)
        # ... which a capture of MQTT may legitimately carry: noted, skipped
        def topic(line):
            env = json.loads(line)
            tail = "/%d" % env["chain"] if env["kind"] == "key" else ""
            return "mvgate/v1/gw/%s/comp-vsd%s" % (env["kind"], tail)
        cap = ["%s %s" % (topic(l), record_bytes(l).decode()) for l in all_lines]
        repeat = next(c for c in cap[2:] if "/head/" not in c)  # a chained record again
        cap_path = T.write(os.path.join(d, "capture.txt"),
                           "\n".join(cap + [repeat, "mvgate/v1/gw/status {}"]) + "\n")
        rc, out, err = verify(key_b64, cap_path, "--mqtt-capture")
        assert rc == 0 and ok_of(out).startswith("OK: %d records, 1 projects, key %s" % (n, fp)), out + err
        assert "1 identical repeated record" in err, err
        # a subscriber that came late: the retained model and definition
        # (chain 1) first, then live records (two records after the model,
        # and the heads among them, missed)
        assert kinds[0] == "definition" and kinds.count("definition") == 1, kinds
        cim = all_lines.index(export_lines[im])
        cdef = all_lines.index(export_lines[0])
        live, dropped = [], 0
        for c in cap[cim + 1:]:
            if dropped < 2:
                dropped += "/head/" not in c
                continue
            live.append(c)
        late = T.write(os.path.join(d, "late.txt"), "\n".join([cap[cim], cap[cdef]] + live) + "\n")
        rc, out, err = verify(key_b64, late, "--mqtt-capture", "--from-chain", str(im + 4))
        assert rc == 0 and "OK: %d records" % (n - im - 3) in out, out + err
        assert "1 retained model record" in err and "1 retained definition record" in err, err
        # ... a retained definition altered: named, not skipped
        bad = cap[cdef].replace('"interval_min":5', '"interval_min":15')
        assert bad != cap[cdef]
        late = T.write(os.path.join(d, "late-bad.txt"), "\n".join([cap[cim], bad] + live) + "\n")
        rc, out, err = verify(key_b64, late, "--mqtt-capture", "--from-chain", str(im + 4))
        assert rc == 1 and "project comp-vsd chain 1 (definition version 1): altered" in out, out + err

        # another gateway (its own data_dir) has its own key: unknown key
        cfg2 = run_gateway(d2, 0.3)
        shown2 = mvgate("key", "show", "-c", cfg2)
        assert shown2.returncode == 0, shown2.stderr
        key2 = key_lines(shown2.stdout)[0]["public key"]
        assert key2 != key_b64
        rc, out, _ = verify(key2, good)
        assert rc == 1 and out.startswith("project comp-vsd chain 1 (definition version 1): unknown key"), out

        # usage and I/O errors exit 2
        assert verify(key_b64, os.path.join(d, "nope.jsonl"))[0] == 2
        assert verify("not-a-key", good)[0] == 2
        assert mvgate("verify", "--export", good).returncode == 2
        # key show before the daemon ever ran: a clear error
        cfg3 = T.write(os.path.join(d2, "fresh.conf"), open(cfg2).read().replace(d2, os.path.join(d2, "fresh")))
        os.makedirs(os.path.join(d2, "fresh"), exist_ok=True)
        r3 = mvgate("key", "show", "-c", cfg3)
        assert r3.returncode == 2 and "gateway.pub" in r3.stderr, r3.stdout + r3.stderr


if __name__ == "__main__":
    T.main([test_signed_chain_and_tampering])
