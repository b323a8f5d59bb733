"""A damaged or lost store is noticed at start, and can be salvaged.

A real store comes from a short accelerated mvgated run on the simulated
compressor plant. Then:

- 20 of its pages overwritten with random bytes: mvgated refuses to start
  (exit non-zero) with a message naming the file, that nothing was
  changed and `mvgate store recover`; the file is byte for byte as it
  was. `mvgate store recover` salvages it into a new database that passes
  quick_check, leaves the damaged file alone and prints what to do next;
  done as printed, mvgated starts on the recovered store, and `mvgate
  verify` over its export stops at the first chain hole recover listed.
- mvgate.db emptied (0 bytes) or deleted beside gateway.key: refused, the
  file left as it was; with --new-chain mvgated starts, each chain opens
  with a signed new-chain record, and `mvgate verify` accepts and reports
  it, also behind the old chain's export."""

import hashlib
import json
import os
import random
import re
import shutil
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, SCALE, mvgate  # noqa: E402
from mvgtest import SHORT_PROJECT as PROJECT  # noqa: E402


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run_gateway(d, hours, extra_args=()):
    """mvgated on a fresh simulator for `hours` plant hours, stopped
    cleanly; returns (config path, the daemon's stderr lines)."""
    anchor = time.time()
    sim = T.plant_sim("compressor", 11)
    try:
        cfg = T.fast_gateway_config("compressor", sim.port, d, PROJECT)
        gw = T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor) + list(extra_args),
                    name="mvgated")
        gw.wait_line(r"started:", stream="err", timeout=20)
        while (time.time() - anchor) * SCALE / 3600.0 < hours:
            gw.pump(0.05)
        # the intervals that ended are written within a poll or two
        T.wait_until(lambda: len(T.export(cfg, "chain")) >= 2, 10, "chained records")
        assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
    finally:
        sim.stop()
    return cfg, gw.err_lines


def start_refused(cfg, *extra):
    r = T.run([T.binary("mvgated"), "-c", cfg] + list(extra), timeout=30)
    assert r.returncode != 0, "mvgated started on a lost or damaged store:\n" + r.stderr
    return r.stderr


def verify(d, export_path):
    r = mvgate("verify", "--pubkey", os.path.join(d, "gateway.pub"), "--export", export_path)
    return r.returncode, r.stdout + r.stderr


def chain_export(cfg, path):
    r = mvgate("export", "-c", cfg, "--format", "jsonl", "--what", "chain")
    assert r.returncode == 0, r.stderr
    T.write(path, r.stdout)
    return r.stdout


def corrupt_pages(db, npages, seed):
    """Overwrites npages pages with random bytes: never those of the schema
    (page 1, and the pages it grew into once it no longer fit in one) nor
    the intervals table's root, without which nothing of the table could be
    reached; which pages those are moves with every table the schema adds."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    keep = {p for (p,) in con.execute("SELECT pageno FROM dbstat WHERE name = 'sqlite_schema'")}
    keep |= {p for (p,) in con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'intervals'")}
    keep.add(1)
    con.close()
    with open(db, "rb") as f:
        head = f.read(100)
    psize = int.from_bytes(head[16:18], "big")
    psize = 65536 if psize == 1 else psize
    total = os.path.getsize(db) // psize
    assert total > npages + 5, "store too small to damage: %d pages" % total
    rnd = random.Random(seed)
    pages = rnd.sample([p for p in range(2, total + 1) if p not in keep], npages)
    with open(db, "r+b") as f:
        for p in pages:
            f.seek((p - 1) * psize)
            f.write(bytes(rnd.getrandbits(8) for _ in range(psize)))
    return pages


def test_damaged_store_refused_then_recovered():
    with T.TempDir() as d:
        cfg, _ = run_gateway(d, 1.6)
        db = os.path.join(d, "mvgate.db")
        corrupt_pages(db, 20, 3)
        before = sha(db)

        err = start_refused(cfg)
        assert "is damaged" in err and db in err, err
        assert "Nothing was changed" in err and "mvgate store recover" in err, err
        assert sha(db) == before, "mvgated changed the damaged store"

        r = mvgate("store", "recover", "-c", cfg)
        assert r.returncode in (0, 1), r.stdout + r.stderr
        out = os.path.join(d, "mvgate.recovered.db")
        assert "recovered %s into %s" % (db, out) in r.stdout, r.stdout
        assert "systemctl stop mvgated" in r.stdout and "mv %s %s" % (out, db) in r.stdout, r.stdout
        assert sha(db) == before, "store recover changed the damaged store"
        con = sqlite3.connect(out)
        assert con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        salvaged = con.execute("SELECT count(*) FROM intervals").fetchone()[0]
        con.close()
        assert salvaged > 0, r.stdout
        # 20 random pages of a small store always cost something
        assert r.returncode == 1 and re.search(r"<=\d+|unreadable|hole:", r.stdout), r.stdout
        again = mvgate("store", "recover", "-c", cfg)
        assert again.returncode == 2 and "exists already" in again.stderr, again.stderr

        # do what it printed, then the daemon starts on the recovered store
        os.rename(db, db + ".damaged")
        for side in ("-wal", "-shm"):
            if os.path.exists(db + side):
                os.remove(db + side)
        os.rename(out, db)
        cfg, lines = run_gateway(d, 0.5)
        assert not any("not started" in l for l in lines), "\n".join(lines[-10:])

        exp = os.path.join(d, "chain.jsonl")
        chain_export(cfg, exp)
        rc, text = verify(d, exp)
        # a hole inside the chain is where verify stops; one at its head
        # reads like an export window that starts later
        holes = [(int(lo), int(hi or lo)) for lo, hi in
                 re.findall(r"hole: project comp-vsd: chain (\d+)(?:\.\.(\d+))? missing", r.stdout)]
        inner = [h for h in holes if h[0] > 1]
        if inner:
            assert rc == 1 and "missing (chain %d..%d)" % inner[0] in text, (r.stdout, text)
        else:
            assert rc == 0, (r.stdout, text)


def test_lost_store_beside_key():
    with T.TempDir() as d:
        cfg, _ = run_gateway(d, 1.3)
        db = os.path.join(d, "mvgate.db")
        old = os.path.join(d, "old.jsonl")
        chain_export(cfg, old)
        for side in ("-wal", "-shm"):
            if os.path.exists(db + side):
                os.remove(db + side)

        os.truncate(db, 0)
        err = start_refused(cfg)
        assert "is empty (0 bytes)" in err and "gateway.key" in err, err
        assert "--new-chain" in err and "Nothing was changed" in err, err
        assert os.path.getsize(db) == 0

        os.remove(db)
        err = start_refused(cfg)
        assert "is missing" in err, err
        assert not os.path.exists(db), "mvgated created a store while refusing"

        os.truncate(T.write(db, ""), 0)
        cfg, lines = run_gateway(d, 1.2, ["--new-chain"])
        assert any("new chain begun under key" in l for l in lines), "\n".join(lines[-10:])
        new = os.path.join(d, "new.jsonl")
        text = chain_export(cfg, new)
        first = json.loads(text.splitlines()[0])
        assert first["kind"] == "newchain" and first["chain"] == 1, first
        rec = first["record"]
        assert rec["schema"] == "mvgate/newchain/1" and rec["prev"] == "0" * 64, rec
        assert rec["previous_store"] == "empty (0 bytes)", rec
        fp = rec["key"]

        rc, out = verify(d, new)
        assert rc == 0, out
        assert re.search(r"new chain under key %s: store restarted on 20\d\d-" % fp, out), out

        # the old chain and the new one after it: the restart is accepted
        # behind its record, and said
        both = os.path.join(d, "both.jsonl")
        with open(old) as a, open(new) as b:
            T.write(both, a.read() + b.read())
        rc, out = verify(d, both)
        assert rc == 0 and "new chain under key %s" % fp in out, out
        # without it, a chain back at 1 is a silent restart
        rest = [l for l in open(new).read().splitlines() if '"kind":"newchain"' not in l]
        renum = os.path.join(d, "silent.jsonl")
        T.write(renum, open(old).read() + "\n".join(rest) + "\n")
        rc, out = verify(d, renum)
        assert rc == 1, out


if __name__ == "__main__":
    T.main([test_damaged_store_refused_then_recovered, test_lost_store_beside_key])
