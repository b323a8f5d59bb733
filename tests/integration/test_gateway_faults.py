"""A meter behind a TCP-to-RTU gateway that does not answer: the simulator, like such a
gateway, answers exception 11 (gateway target device failed to respond) for a unit with no
meter behind it. mvgated must take that for a communication failure: the device goes offline
after its bus's failure rule, with a log line naming host, unit, function, address and the
exception's meaning, is re-probed at reprobe_ms and not at its interval, and `mvgate status`
exits 1 showing the same text. `mvgate read` says it too. A live meter on the same gateway
keeps being polled at its interval."""

import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvgtest as T  # noqa: E402

EXC11 = "exception 11 (gateway target device failed to respond)"
REPROBE_MS = 4000


def config(d, port):
    return T.write(os.path.join(d, "gw.conf"), """
gateway = { id = "gw-faults"; site = "lab"; data_dir = "%s"; };
buses = ( { name = "gw"; type = "tcp"; host = "127.0.0.1"; port = %d; timeout_ms = 300;
            retries = 1; backoff_ms = 10; offline_after = 3; reprobe_ms = %d; } );
devices = (
  { name = "live"; bus = "gw"; unit_id = 1; interval_ms = 100; points = (
      { name = "v"; area = "input"; address = 0; type = "float32"; } ); },
  { name = "behind"; bus = "gw"; unit_id = 42; interval_ms = 100; points = (
      { name = "v"; area = "input"; address = 0; type = "float32"; } ); } );
""" % (d, port, REPROBE_MS))


def test_exception_11_is_a_communication_failure():
    sim = T.Sim()
    try:
        with T.TempDir() as d:
            cfg = config(d, sim.port)
            where = "127.0.0.1:%d unit 42: read input 0+2 (function 4): %s" % (sim.port, EXC11)

            r = T.mvgate("read", "-c", cfg, "--device", "behind")
            assert r.returncode == 1, (r.stdout, r.stderr)
            assert where in r.stderr, r.stderr
            assert re.search(r"behind\s+v\s+-\s+comm_error", r.stdout), r.stdout

            gw = T.Proc([T.binary("mvgated"), "-c", cfg], name="mvgated")
            try:
                m = gw.wait_line(r"device behind \(bus gw, unit 42\) offline after 3 failed "
                                 r"polls: (.*); re-probing every %d ms" % REPROBE_MS,
                                 stream="err", timeout=15)
                assert m.group(1) == where, m.group(1)
                went_offline = len(gw.err_lines)
                # For the next stretch the live meter is polled at its interval and the
                # offline one at most once per re-probe period: far fewer polls than the
                # ~20 its interval would give.
                live0 = len(T.sample_lines(gw, "live"))
                behind0 = len(T.sample_lines(gw, "behind"))
                end = time.monotonic() + 2.0
                while time.monotonic() < end:
                    gw.pump(0.1)
                live = len(T.sample_lines(gw, "live")) - live0
                behind = len(T.sample_lines(gw, "behind")) - behind0
                assert live >= 10, live
                assert behind <= 1, (behind, gw.err_lines[went_offline:][-5:])

                def offline_in_status():
                    r = T.mvgate("status", "-c", cfg, "--json")
                    if not r.stdout.strip():
                        return None
                    devs = {x["name"]: x for x in json.loads(r.stdout).get("devices", [])}
                    b = devs.get("behind")
                    return (r, devs) if b and not b.get("online", True) else None

                got = T.wait_until(offline_in_status, timeout=15, what="behind offline in status")
                r, devs = got
                assert r.returncode == 1, r.returncode
                assert devs["behind"]["last_error"] == where, devs["behind"]
                assert devs["live"]["online"], devs["live"]
                text = T.mvgate("status", "-c", cfg)
                assert text.returncode == 1, text.returncode
                assert EXC11 in text.stdout, text.stdout
            finally:
                assert gw.stop() == 0
    finally:
        sim.stop()


if __name__ == "__main__":
    T.main([test_exception_11_is_a_communication_failure])
