"""Signed, hash-chained interval records end to end: mvgated (simulated
compressor plant, x600, short baseline, SIGKILL restarts) signs every
interval record with its Ed25519 key; the export verifies with
`mvgate verify` and, independently, with Python (hashlib for the prev chain,
the cryptography package for the signatures, following the byte rules of
docs/mqtt.md "Signed records"). Tampered copies of the export (a flipped
byte, a deleted line, two lines swapped, an old line replayed, another
gateway's key) fail with exit 1 and the right word."""

import base64
import hashlib
import json
import os
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402

SCALE = 600
ORIGIN = "2026-01-05T00:00:00Z"
ORIGIN_S = 1767571200

PROJECT = """
projects = (
  { name = "comp-vsd"; technology = "air_compressor"; interval_min = 5;
    baseline = { start = "2026-01-05T00:00:00Z"; end = "2026-01-05T01:00:00Z"; };
    installation = { start = "2026-01-05T01:00:00Z"; end = "2026-01-05T01:10:00Z"; };
    reporting = { start = "2026-01-05T01:10:00Z"; };
    confidence = 0.90;
    streams = ( { name = "electricity"; type = "electricity"; unit = "kWh";
                  actual = "comp_power.energy_kwh";
                  model = { type = "linear"; x = [ "air_flow.volume_m3" ]; }; } ); }
);
"""

SIG_SUFFIX = len(',"sig":"') + 88 + len('"}')


def run_gateway(d, hours, kills_at=()):
    """Runs mvgated on a fresh simulator for `hours` plant hours, SIGKILLing
    it at the given plant hours; returns the config path."""
    anchor = time.time()
    sim = T.Sim("compressor", "baseline", ["--time-scale", str(SCALE), "--start", ORIGIN, "--seed", "5"])
    try:
        text = T.example_config("compressor", sim.port, d).replace("interval_ms = 1000", "interval_ms = 100")
        cfg = T.write(os.path.join(d, "gw.conf"), text + PROJECT)
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
        time.sleep(2)
        assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
    finally:
        sim.stop()
    return cfg


def mvgate(*args):
    return T.run([T.binary("mvgate")] + list(args))


def verify(key, path, mode="--export"):
    r = mvgate("verify", "--pubkey", key, mode, path)
    return r.returncode, r.stdout.strip(), r.stderr.strip()


def record_bytes(line):
    """The raw record of an export line, as `mvgate verify` reads it."""
    i = line.index(',"record":') + len(',"record":')
    assert line.endswith("}")
    return line[i:-1].encode()


def test_signed_chain_and_tampering():
    with T.TempDir() as d, T.TempDir() as d2:
        cfg = run_gateway(d, 2.5, kills_at=(0.7, 1.3, 1.9))

        # key files: secret 0600, public readable; key show matches the file
        data_dir = os.path.join(d, "data") if os.path.isdir(os.path.join(d, "data")) else d
        kfile = pub = None
        for root, _, files in os.walk(d):
            if "gateway.key" in files:
                kfile, pub = os.path.join(root, "gateway.key"), os.path.join(root, "gateway.pub")
        assert kfile, "no gateway.key under %s" % data_dir
        assert stat.S_IMODE(os.stat(kfile).st_mode) == 0o600, oct(os.stat(kfile).st_mode)
        shown = mvgate("key", "show", "-c", cfg)
        assert shown.returncode == 0, shown.stderr
        lines = dict(l.split(": ", 1) for l in shown.stdout.splitlines())
        key_b64, fp = lines["public key"], lines["fingerprint"]
        with open(pub) as f:
            assert f.read().strip() == key_b64
        pk = base64.b64decode(key_b64)
        assert len(pk) == 32
        assert fp == hashlib.sha256(pk).hexdigest()[:32]
        with open(kfile) as f:
            secret_b64 = f.read().strip()
        assert secret_b64 not in shown.stdout

        r = mvgate("export", "-c", cfg, "--format", "jsonl", "--what", "intervals")
        assert r.returncode == 0, r.stderr
        export_lines = [l for l in r.stdout.splitlines() if l.strip()]
        n = len(export_lines)
        assert n >= 20, n
        good = T.write(os.path.join(d, "export.jsonl"), "\n".join(export_lines) + "\n")

        # the byte rules, checked independently of the C code
        prev = "0" * 64
        # (python3-cryptography: installed by tools/install-deps.sh)
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        verifier = Ed25519PublicKey.from_public_bytes(pk)
        for i, line in enumerate(export_lines):
            raw = record_bytes(line)
            doc = json.loads(raw)
            assert doc["seq"] == i + 1 and doc["key"] == fp
            assert doc["prev"] == prev, "seq %d: prev %s, expected %s" % (i + 1, doc["prev"], prev)
            assert raw[-SIG_SUFFIX:].startswith(b',"sig":"') and raw.endswith(b'"}')
            sig = base64.b64decode(raw[-SIG_SUFFIX + 8:-2])
            assert sig == base64.b64decode(doc["sig"]) and len(sig) == 64
            signed = raw[:-SIG_SUFFIX] + b"}"
            assert json.loads(signed) == {k: v for k, v in doc.items() if k != "sig"}
            verifier.verify(sig, signed)  # raises when it does not verify
            prev = hashlib.sha256(raw).hexdigest()

        rc, out, err = verify(key_b64, good)
        assert rc == 0, out + err
        assert out == "OK: %d records, 1 projects, key %s" % (n, fp), out
        rc, out, _ = verify(pub, good)  # the key as a path
        assert rc == 0 and out.startswith("OK: %d records" % n), out

        def tampered(name, lines_):
            return T.write(os.path.join(d, name), "\n".join(lines_) + "\n")

        def expect(path, word, seq):
            rc_, out_, err_ = verify(key_b64, path)
            assert rc_ == 1, (path, rc_, out_, err_)
            want = "project comp-vsd seq %d: %s" % (seq, word)
            assert out_.startswith(want), "%s: %r, wanted %r" % (os.path.basename(path), out_, want)

        # a flipped byte inside record 5 (a digit of its end time's millis)
        flip = list(export_lines)
        j = flip[4].index('"end":"', flip[4].index(',"record":')) + len('"end":"2026-01-05T00:')
        flip[4] = flip[4][:j] + ("1" if flip[4][j] != "1" else "2") + flip[4][j + 1:]
        expect(tampered("flip.jsonl", flip), "altered", 5)
        # a deleted line
        expect(tampered("delete.jsonl", export_lines[:7] + export_lines[8:]), "missing (seq 8..8)", 9)
        # two lines swapped
        swap = list(export_lines)
        swap[10], swap[11] = swap[11], swap[10]
        expect(tampered("swap.jsonl", swap), "reordered", 12)
        # an old line replayed at the end
        expect(tampered("replay.jsonl", export_lines + [export_lines[2]]), "duplicated", 3)
        # ... which a capture of MQTT may legitimately carry: noted, skipped
        cap = ["mvgate/v1/gw/interval/comp-vsd %s" % record_bytes(l).decode() for l in export_lines]
        cap_path = T.write(os.path.join(d, "capture.txt"),
                           "\n".join(cap + [cap[2], "mvgate/v1/gw/status {}"]) + "\n")
        rc, out, err = verify(key_b64, cap_path, "--mqtt-capture")
        assert rc == 0 and out == "OK: %d records, 1 projects, key %s" % (n, fp), out + err
        assert "1 identical repeated record" in err, err

        # another gateway (its own data_dir) has its own key: unknown key
        cfg2 = run_gateway(d2, 0.3)
        shown2 = mvgate("key", "show", "-c", cfg2)
        assert shown2.returncode == 0, shown2.stderr
        key2 = dict(l.split(": ", 1) for l in shown2.stdout.splitlines())["public key"]
        assert key2 != key_b64
        rc, out, _ = verify(key2, good)
        assert rc == 1 and out.startswith("project comp-vsd seq 1: unknown key"), out

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
