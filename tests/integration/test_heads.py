"""Signed head records end to end with a real mosquitto: mvgated
(simulated compressor, x600, head_every = 10 plant minutes) writes a head
of its project's chain periodically and a shutdown head at SIGTERM, each
stored, exported after the record it names and published retained on
head/<project>. `mvgate verify` prints the range it checked and holds it
to the heads; each way of cutting the evidence is named with its
positions:

- the head cut (the first 50 records gone): "cut head: chain 1..50",
  unless --from-chain names where the input starts;
The MQTT publisher does not drain its outbox at a stop, so the shutdown
head reaches the broker at the next start; the export has it at once.

- the tail withheld (the last 20 records and the heads after them gone):
  "withheld tail: no head since T (chain N)" against --at the capture's
  end, and a head kept that names positions the input lacks: "withheld
  tail: chain M+1..N named by the head of T";
- a head altered (its position or hash changed): "altered" at its chain."""

import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, ORIGIN_S, SCALE, Mosquitto, mvgate, plant_s  # noqa: E402
from mvgtest import SHORT_PROJECT as PROJECT  # noqa: E402

GW = "gw-demo-compressor"
TOPICS = "mvgate/v1/%s/" % GW
HEAD_EVERY_MIN = 10
HOURS = 5.5  # plant hours: over 60 five-minute intervals and a model, 30 periodic heads


def verify(key, path, mode, *extra):
    r = mvgate("verify", "--pubkey", key, mode, path, *extra)
    return r.returncode, r.stdout.strip(), r.stderr.strip()


def run_gateway(d, port):
    """Runs the gateway for HOURS plant hours with a subscriber from the
    start; stops it with SIGTERM. Returns (cfg, the capture's lines)."""
    out = open(os.path.join(d, "capture.txt"), "w")
    sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-v", "-q", "1",
                            "-i", "heads", "-t", TOPICS + "#"], stdout=out,
                           stderr=subprocess.DEVNULL)
    anchor = time.time()
    sim = T.plant_sim("compressor", 7)
    gw = None
    try:
        cfg = T.fast_gateway_config("compressor", sim.port, d, PROJECT + """
mqtt = { uri = "tcp://127.0.0.1:%d"; telemetry = "off"; };
""" % port)
        with open(cfg) as f:
            text = f.read()
        T.write(cfg, text.replace("gateway = {", "gateway = {\n  head_every = %d;" % HEAD_EVERY_MIN, 1))
        assert mvgate("check", "-c", cfg).returncode == 0
        gw = T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name="mvgated")
        switched = False
        while plant_s(anchor) < ORIGIN_S + HOURS * 3600:
            gw.pump(0.05)
            if not switched and plant_s(anchor) >= ORIGIN_S + 3600:
                assert sim.control("phase retrofit").startswith("ok")
                switched = True
        gw.signal(signal.SIGTERM)
        assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        gw = None
        T.wait_until(lambda: any("/status " in l and '"offline"' in l
                                 for l in open(os.path.join(d, "capture.txt"))),
                     10, "the offline status")
    finally:
        if gw:
            gw.stop()
        sim.stop()
        sub.terminate()
        sub.wait()
        out.close()
    with open(os.path.join(d, "capture.txt")) as f:
        return cfg, [l.rstrip("\n") for l in f if l.strip()]


def kind(line):
    return line.split(" ", 1)[0][len(TOPICS):].split("/")[0]


def payload(line):
    return json.loads(line.split(" ", 1)[1])


def test_heads():
    with T.TempDir() as d:
        port = T.free_port()
        broker = Mosquitto(d, port)
        try:
            cfg, cap = run_gateway(d, port)
        finally:
            broker.stop()
        key = mvgate("key", "show", "-c", cfg).stdout.split()[2]
        heads = [payload(l) for l in cap if kind(l) == "head"]
        chained = [l for l in cap if kind(l) in ("interval", "model", "definition")]
        n = len(chained)
        assert n > 60, n
        # periodic heads, HEAD_EVERY_MIN apart on the records' clock
        periodic = [h for h in heads if h["reason"] == "periodic"]
        assert len(periodic) >= 20, [h["reason"] for h in heads]
        assert all(h["every_s"] == HEAD_EVERY_MIN * 60 for h in heads)
        assert all(sum(h["records"].values()) == h["head"] for h in heads)
        ts = [T.datetime.datetime.strptime(h["time"], "%Y-%m-%dT%H:%M:%S.%fZ") for h in periodic]
        gaps = [(b - a).total_seconds() for a, b in zip(ts, ts[1:])]
        assert all(0.8 * HEAD_EVERY_MIN * 60 <= g <= 1.5 * HEAD_EVERY_MIN * 60 for g in gaps), gaps
        # the store holds them too, each exported after the record it names,
        # and the shutdown head naming the last record
        exp = T.export(cfg, "chain")
        stored = [e["record"] for e in exp if e["kind"] == "head"]
        assert [h["time"] for h in stored][:len(heads)] == [h["time"] for h in heads]
        for i, e in enumerate(exp):
            if e["kind"] == "head":
                assert exp[i - 1]["chain"] == e["chain"] == e["record"]["head"], exp[i - 1:i + 1]
        last = stored[-1]
        assert last["reason"] == "shutdown" and last["head"] == n, last
        assert last["records"]["model"] == 1 and last["records"]["definition"] == 1 and \
            last["records"]["interval"] == n - 2, last
        last_line = "%shead/comp-vsd %s" % (TOPICS, json.dumps(last, separators=(",", ":")))
        lp = heads[-1]

        def write(name, lines):
            return T.write(os.path.join(d, name), "\n".join(lines) + "\n")

        # the whole capture: the range, from the first record to the last head
        rc, out, err = verify(key, write("all.txt", cap), "--mqtt-capture")
        assert rc == 0, out + err
        # (the shutdown head reaches the broker only if the publisher sent it
        # before it stopped: then it is the last head the capture holds)
        assert out.splitlines()[0].startswith(
            "project comp-vsd: chain 1..%d checked, from the first record, reaches the last head"
            " (chain %d, %s%s)" % (n, lp["head"], lp["time"],
                                   ", shutdown" if lp["reason"] == "shutdown" else "")), out

        # the head cut: the first 50 records gone
        first50 = set(id(l) for l in chained[:50])
        cut = [l for l in cap if id(l) not in first50 and
               not (kind(l) == "head" and payload(l)["head"] <= 50)]
        cut_path = write("cut.txt", cut)
        rc, out, _ = verify(key, cut_path, "--mqtt-capture")
        assert rc == 1 and out == ("project comp-vsd: cut head: chain 1..50 not in the input (it"
                                   " starts at chain 51; --from-chain comp-vsd=51 checks from"
                                   " there)"), out
        # ... a late subscriber's capture, verified from where it starts
        rc, out, err = verify(key, cut_path, "--mqtt-capture", "--from-chain", "comp-vsd=51")
        assert rc == 0 and out.startswith("project comp-vsd: chain 51..%d checked, from chain 51"
                                          " (--from-chain 51)" % n), out + err
        # ... but not from earlier than it holds
        rc, out, _ = verify(key, cut_path, "--mqtt-capture", "--from-chain", "40")
        assert rc == 1 and "cut head: chain 40..50 not in the input" in out, out

        # the tail withheld: the last 20 records and the heads after them gone
        keep = n - 20
        tail_cut = [l for l in cap if not (kind(l) in ("interval", "model") and
                                           payload(l)["chain"] > keep)
                    and not (kind(l) == "head" and payload(l)["head"] > keep)]
        tail_heads = [payload(l) for l in tail_cut if kind(l) == "head"]
        lh = tail_heads[-1]
        # judged at the capture's end (the last record's end: 20 intervals later)
        end = payload(chained[-1])["end"]
        rc, out, _ = verify(key, write("tail.txt", tail_cut), "--mqtt-capture", "--at", end)
        assert rc == 1 and out.splitlines()[-1].startswith(
            "project comp-vsd: withheld tail: no head since %s (chain %d), though heads come every"
            " %d s and the input runs to " % (lh["time"], lh["head"], HEAD_EVERY_MIN * 60)), out
        # ... and with the shutdown head kept, it names what is missing
        kept = tail_cut + [last_line]
        rc, out, _ = verify(key, write("tail2.txt", kept), "--mqtt-capture")
        assert rc == 1 and out == ("project comp-vsd: withheld tail: chain %d..%d named by the head"
                                   " of %s are not in the input" % (keep + 1, n, last["time"])), out
        # ... in an export too
        ex_lines = mvgate("export", "-c", cfg, "--format", "jsonl", "--what", "chain").stdout
        ex = [l for l in ex_lines.splitlines() if l.strip()]
        ex_cut = [l for l in ex if json.loads(l)["chain"] <= keep or json.loads(l)["kind"] == "head"]
        rc, out, _ = verify(key, write("tail.jsonl", ex_cut), "--export")
        # (the first head after the cut names the first position withheld)
        assert rc == 1 and "withheld tail: chain %d.." % (keep + 1) in out, out
        rc, out, _ = verify(key, write("all.jsonl", ex), "--export")
        assert rc == 0 and "reaches the last head (chain %d, %s, shutdown)" % (n, last["time"]) \
            in out, out

        # a head altered: its position moved back by one, or its hash changed
        hi = max(i for i, l in enumerate(cap) if kind(l) == "head" and payload(l)["reason"] == "periodic")
        h = payload(cap[hi])
        topic, raw = cap[hi].split(" ", 1)
        moved = raw.replace('"head":%d,' % h["head"], '"head":%d,' % (h["head"] - 1))
        alt = list(cap)
        alt[hi] = "%s %s" % (topic, moved)
        rc, out, _ = verify(key, write("alt.txt", alt), "--mqtt-capture")
        assert rc == 1 and out == ("project comp-vsd head of %s (chain %d): altered: the signature"
                                   " does not match the head's bytes" % (h["time"], h["head"] - 1)), out
        flipped = raw.replace(h["head_hash"], h["head_hash"][::-1])
        alt[hi] = "%s %s" % (topic, flipped)
        rc, out, _ = verify(key, write("alt2.txt", alt), "--mqtt-capture")
        assert rc == 1 and out.startswith("project comp-vsd head of %s (chain %d): altered: "
                                          % (h["time"], h["head"])), out


if __name__ == "__main__":
    T.main([test_heads])
