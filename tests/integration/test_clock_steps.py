"""Wall-clock steps under an accelerated daemon (x600) on the simulated
compressor: libfaketime steps mvgated's wall clock as an NTP step does
while its monotonic clock runs on (tests/integration/mvgtest.py FakeClock).

- forward by 2 days and then by 500 days, both inside the baseline: each
  step is logged once with its size, each is one record flagged
  clock_step (no flood of empty signed records), the baseline stays open
  and its model is fitted from the intervals before and after the steps,
  and the sample retention (400 days, run after a minute) deletes none of
  the samples stamped before the steps;
- forward by 2 days, then SIGKILL as soon as the step is logged, before
  the record it flags is written, and a restart (same libfaketime offset
  file, same --time-anchor: the restarted process reads the same stepped
  wall clock): the step was saved with a checkpoint before it was logged,
  so the record that spans it is the one flagged record and no empty
  record is written for the 1200 plant days it skipped;
- back by an hour: logged, the samples go on being stored while the
  engine rejects them (engine.rejected in the status), and once the clock
  is right again the records go on without a step flag;
- a wall clock the kernel calls unsynchronised (a gateway without a
  battery clock at boot; the state comes from an adjtimex shim,
  tests/support/fake_adjtimex.c): at real time, polls are stored but no
  interval is recorded until the clock is synchronised, then records come
  (gateway.require_synced_clock, default true)."""

import calendar
import json
import os
import signal
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, SCALE, export, schema  # noqa: E402

import jsonschema  # noqa: E402

DAY_S = 86400
STEP_RX = r"clock step: the wall clock jumped %s by (\d+) s \((\S+) -> (\S+)\)"


def ms_of(iso):
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")) * 1000


def records(cfg):
    return [x["record"] for x in export(cfg)]


def wait_records(cfg, gw, n, timeout=20):
    def enough():
        gw.pump(0.05)
        return len(records(cfg)) >= n
    T.wait_until(enough, timeout, "%d interval records" % n, interval=0.3)


def count_samples(d, where, *args):
    db = sqlite3.connect(os.path.join(d, "mvgate.db"), timeout=10)
    try:
        return db.execute("SELECT COUNT(*) FROM samples WHERE " + where, args).fetchone()[0]
    finally:
        db.close()


def engine_rejected(cfg):
    r = T.mvgate("status", "-c", cfg, "--json")
    return json.loads(r.stdout)["engine"]["rejected"] if r.stdout else None


def launch(args, clock):
    """mvgated with args under clock's libfaketime, once it has started."""
    gw = T.Proc(args, env=clock.env(), name="mvgated")
    gw.wait_line(r"notice: started: ", stream="err", timeout=30)
    return gw


def start(d, clock, project):
    sim = T.plant_sim("compressor", 5)
    cfg = T.fast_gateway_config("compressor", sim.port, d, project)
    args = T.accelerated_mvgated(cfg, SCALE, ORIGIN, time.time())
    gw = launch(args, clock)
    gw.args = args  # a restart continues the same plant clock (the anchor)
    return sim, cfg, gw


def count_records(d, from_ms=None):
    """Interval records in the store (starting at from_ms or later), counted
    by SQLite: cheap however many there are (a flood of empty records is
    what the kill test looks for)."""
    db = sqlite3.connect(os.path.join(d, "mvgate.db"), timeout=10)
    try:
        if from_ms is None:
            return db.execute("SELECT COUNT(*) FROM intervals").fetchone()[0]
        return db.execute("SELECT COUNT(*) FROM intervals WHERE start_ms >= ?",
                          (from_ms,)).fetchone()[0]
    finally:
        db.close()


def test_forward_steps_in_the_baseline():
    with T.TempDir() as d:
        clock = T.FakeClock(d)
        # baseline until 04:00 plant time (24 s), reporting from 04:30
        sim, cfg, gw = start(d, clock, T.compressor_project("04:00", "04:30"))
        started = time.monotonic()
        try:
            wait_records(cfg, gw, 3)
            clock.set("+2d")
            m1 = gw.wait_line(STEP_RX % "forward", stream="err", timeout=10)
            wait_records(cfg, gw, len(records(cfg)) + 3)
            clock.set("+502d")
            m2 = gw.wait_line(STEP_RX % "forward", stream="err", timeout=10,
                              start=gw.err_lines.index(m1.string) + 1)
            from1 = ms_of(m1.group(2))
            time.sleep(1)  # polls stamped before the step are stored by now
            before = count_samples(d, "ts_ms < ?", from1)
            assert before > 50, before
            # past the fit (04:00) and the first maintenance (60 s after start)
            while time.monotonic() - started < 66:
                gw.pump(0.2)
            after = count_samples(d, "ts_ms < ?", from1)
            # the polls stamped just before a step were waited for, not refused as late
            assert engine_rejected(cfg) == 0
            assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        finally:
            gw.stop()
            sim.stop()
        log = "\n".join(gw.err_lines)
        for m, days in ((m1, 2), (m2, 500)):
            assert abs(int(m.group(1)) - days * DAY_S * SCALE) < 0.01 * days * DAY_S * SCALE, m.group(0)
        assert len([l for l in gw.err_lines if "clock step:" in l]) == 2, log[-3000:]
        assert after == before, "retention deleted %d samples from before the step" % (before - after)

        recs = records(cfg)
        # 66 s at x600 are 11 plant hours: 132 intervals of 5 minutes; a step
        # of 1200 days alone would have been 345,600 empty ones
        assert 100 < len(recs) < 200, len(recs)
        assert [r["seq"] for r in recs] == list(range(1, len(recs) + 1))
        v = jsonschema.Draft7Validator(schema("interval"))
        for r in recs:
            v.validate(r)
        stepped = [r for r in recs if r["clock_step"]]
        assert len(stepped) == 2, [(r["seq"], r["clock_step_ms"]) for r in stepped]
        for r, days in zip(stepped, (2, 500)):
            assert abs(r["clock_step_ms"] - days * DAY_S * SCALE * 1000) < 0.01 * days * DAY_S * SCALE * 1000
        assert all(r["clock_step_ms"] == 0 for r in recs if not r["clock_step"])
        # the baseline stayed open across the steps and was fitted at its end
        after_steps = recs[recs.index(stepped[1]) + 1:]
        assert after_steps[0]["phase"] == "baseline", after_steps[0]["phase"]
        fitted = [r for r in recs if r["fitted_now"]]
        assert len(fitted) == 1 and fitted[0] in after_steps, [r["seq"] for r in fitted]
        assert "no valid baseline intervals" not in log and "no baseline model" not in log, log[-3000:]
        rep = [r for r in recs if r["phase"] == "reporting"]
        assert rep and rep[-1]["streams"][0]["model_ready"], rep[-1:] or "no reporting record"


def test_step_survives_a_sigkill():
    """The step is saved before its log line is written, so killing the
    daemon on that line always finds it in the store: the test does not
    depend on how fast the daemon or the machine is. Without that (the step
    only in the checkpoint of the record it flags, written a moment after
    the line) the restarted engine took the stepped clock for elapsed time
    and wrote an empty record per 5 minutes of the 1200 plant days."""
    with T.TempDir() as d:
        clock = T.FakeClock(d)
        t_start = time.monotonic()
        sim, cfg, gw = start(d, clock, T.compressor_project("04:00", "04:30"))
        gw2 = None
        try:
            wait_records(cfg, gw, 3)
            clock.set("+2d")
            m = gw.wait_line(STEP_RX % "forward", stream="err", timeout=10)
            gw.signal(signal.SIGKILL)
            gw.p.wait()
            step_from, step_to = ms_of(m.group(2)), ms_of(m.group(3))
            # the faketime file still says +2d and the anchor is the same:
            # the restarted daemon reads the same stepped clock
            gw2 = launch(gw.args, clock)
            gw2.wait_line(r"engine resumed from its checkpoint", stream="err", timeout=10)

            # three records of the time after the step (a flood, or records
            # of the skipped days, would come before them: checked below)
            def going_on():
                gw2.pump(0.05)
                return count_records(d, step_to - 5 * 60000) >= 3
            T.wait_until(going_on, 30, "records after the step", interval=0.3)
            # its polls are stamped on the stepped clock and none is late
            assert count_samples(d, "ts_ms >= ?", step_to) > 20
            assert engine_rejected(cfg) == 0
            assert gw2.stop() == 0, "\n".join(gw2.err_lines[-20:])
            elapsed = time.monotonic() - t_start
        finally:
            gw.stop()
            if gw2:
                gw2.stop()
            sim.stop()
        log2 = "\n".join(gw2.err_lines)
        assert "clock step:" not in log2, log2[-3000:]

        # no flood: the records are those of the plant time that passed
        # (5-minute intervals at x600: 2 a second, the downtime included)
        n = count_records(d)
        assert n <= 2 * elapsed + 4, (n, elapsed)
        recs = records(cfg)
        assert [r["seq"] for r in recs] == list(range(1, len(recs) + 1))
        v = jsonschema.Draft7Validator(schema("interval"))
        for r in recs:
            v.validate(r)
        stepped = [r for r in recs if r["clock_step"]]
        assert len(stepped) == 1, [(r["seq"], r["clock_step_ms"]) for r in stepped]
        st = stepped[0]
        assert abs(st["clock_step_ms"] - 2 * DAY_S * SCALE * 1000) < 0.01 * 2 * DAY_S * SCALE * 1000
        assert ms_of(st["start"][:19] + "Z") <= step_from < ms_of(st["end"][:19] + "Z") + 5 * 60000
        # the record after it is the interval the clock landed in: not one
        # record inside the skipped span
        after = recs[recs.index(st) + 1:]
        assert len(after) >= 3, len(after)
        assert ms_of(after[0]["start"][:19] + "Z") >= step_to - 5 * 60000, (after[0]["start"], m.group(3))
        inside = [r["seq"] for r in recs
                  if step_from + 5 * 60000 < ms_of(r["start"][:19] + "Z") < step_to - 5 * 60000]
        assert not inside, inside[:10]
        assert after[0]["phase"] == "baseline", after[0]["phase"]


def test_back_step_logged_and_counted():
    with T.TempDir() as d:
        clock = T.FakeClock(d)
        sim, cfg, gw = start(d, clock, T.compressor_project("04:00", "04:30"))
        try:
            wait_records(cfg, gw, 3)
            clock.set("-1h")
            m = gw.wait_line(STEP_RX % "back", stream="err", timeout=10)
            assert abs(int(m.group(1)) - 3600 * SCALE) < 36 * SCALE, m.group(0)
            back_from = ms_of(m.group(2))
            n_back = len(records(cfg))
            stored = count_samples(d, "ts_ms < ?", back_from)
            # the samples stamped in the past are stored, the engine rejects
            # them and the status document says so
            T.wait_until(lambda: count_samples(d, "ts_ms < ?", back_from) > stored + 20,
                         15, "samples stored after the step back", interval=0.3)
            def rejected():
                gw.pump(0.05)
                return (engine_rejected(cfg) or 0) > 20
            T.wait_until(rejected, 15, "engine.rejected in the status", interval=0.5)
            assert len(records(cfg)) <= n_back + 1
            # the clock is set right again: the records go on, none flagged
            clock.set("+0")
            gw.wait_line(STEP_RX % "forward", stream="err", timeout=10)
            wait_records(cfg, gw, n_back + 3)
            assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        finally:
            gw.stop()
            sim.stop()
        recs = records(cfg)
        assert [r["seq"] for r in recs] == list(range(1, len(recs) + 1))
        assert not [r["seq"] for r in recs if r["clock_step"]], "a step back and its undoing skip nothing"


def test_intervals_wait_for_a_synchronised_clock():
    with T.TempDir() as d:
        sync = T.write(os.path.join(d, "adjtimex"), "unsync\n")
        sim = T.plant_sim("compressor", 5, scale=1)
        # one-minute intervals of the real clock (no --time-scale)
        project = """
projects = (
  { name = "now"; technology = "air_compressor"; interval_min = 1;
    baseline = { start = "2020-01-01T00:00:00Z"; end = "2099-01-01T00:00:00Z"; };
    reporting = { start = "2099-01-01T00:00:00Z"; };
    streams = ( { name = "electricity"; type = "electricity"; unit = "kWh";
                  actual = "comp_power.energy_kwh";
                  model = { type = "linear"; x = [ "air_flow.volume_m3" ]; }; } ); }
);
"""
        cfg = T.fast_gateway_config("compressor", sim.port, d, project, poll_ms=500)
        env = {"LD_PRELOAD": T.binary("mvg_fake_adjtimex.so"), "MVG_FAKE_ADJTIMEX_FILE": sync}
        gw = T.Proc([T.binary("mvgated"), "-c", cfg, "--log-level", "notice"], env=env,
                    name="mvgated")
        try:
            gw.wait_line(r"the wall clock is not synchronised", stream="err", timeout=15)
            # past the end of the first minute and its grace: no record, samples stored
            boundary = (int(time.time()) // 60 + 1) * 60
            while time.time() < boundary + 4:
                gw.pump(0.2)
            assert records(cfg) == [], "an interval recorded on an unsynchronised clock"
            assert count_samples(d, "1") > 20
            T.write(sync, "sync\n")
            m = gw.wait_line(r"the wall clock is synchronised: .*; (\d+) polls stored meanwhile",
                             stream="err", timeout=10)
            assert int(m.group(1)) > 20, m.group(0)
            wait_records(cfg, gw, 1, timeout=75)
            assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        finally:
            gw.stop()
            sim.stop()
        rec = records(cfg)[0]
        assert rec["phase"] == "baseline" and not rec["clock_step"], rec


if __name__ == "__main__":
    T.main([test_forward_steps_in_the_baseline, test_step_survives_a_sigkill,
            test_back_step_logged_and_counted,
            test_intervals_wait_for_a_synchronised_clock])
