"""mvgated as a process: polls real peers, logs samples, keeps a live
device's timing when another device is dead, reloads on SIGHUP (a bad config
is reported and the running one stays), speaks the sd_notify protocol to a
NOTIFY_SOCKET we hold, and stops cleanly on SIGTERM, also in the middle of a
poll's retries and backoffs (a stop waits for the request in flight, not for
the retries: the unit's TimeoutStopSec rests on that)."""

import os
import signal
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402

PEER = os.path.join(os.path.dirname(__file__), "pymodbus_peer.py")


def start_peer(port):
    p = T.Proc(["/usr/bin/python3", PEER, "tcp", str(port)], name="pymodbus")
    p.wait_line(r"^ready", timeout=15)
    return p


def gw_config(d, buses, devices, name="gw.conf"):
    return T.write(os.path.join(d, name), """gateway = { id = "gw-test"; site = "lab"; data_dir = "%s"; };
buses = ( %s );
devices = ( %s );
""" % (d, buses, devices))


sample_lines = T.sample_lines
wait_samples = T.wait_samples


def test_logs_samples_and_stops_on_sigterm():
    port = T.free_port()
    peer = start_peer(port)
    try:
        with T.TempDir() as d:
            cfg = gw_config(d, '{ name = "lan"; type = "tcp"; host = "127.0.0.1"; port = %d; timeout_ms = 500; }' % port,
                            '{ name = "m1"; bus = "lan"; unit_id = 1; interval_ms = 200; points = ('
                            ' { name = "v"; area = "holding"; address = 0; type = "float32"; unit = "V"; } ); }')
            gw = T.Proc([T.binary("mvgated"), "-c", cfg], name="mvgated")
            try:
                lines = wait_samples(gw, "m1", 3)
                assert "v=230.5 V" in lines[-1][1], lines[-1]
            finally:
                rc = gw.stop()
            assert rc == 0, "exit code %s" % rc
            assert any("stopped" in l for l in gw.err_lines), gw.err_lines[-5:]
    finally:
        peer.stop()


def test_dead_devices_do_not_delay_live_one():
    port = T.free_port()
    peer = start_peer(port)
    # A peer that accepts connections and never answers: every request times out.
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(16)
    hole_port = blackhole.getsockname()[1]
    interval = 500
    try:
        with T.TempDir() as d:
            cfg = gw_config(d, """
  { name = "lan"; type = "tcp"; host = "127.0.0.1"; port = %d; timeout_ms = 150; retries = 0;
    offline_after = 2; reprobe_ms = 1000; },
  { name = "hole"; type = "tcp"; host = "127.0.0.1"; port = %d; timeout_ms = 300; retries = 2; }""" % (port, hole_port), """
  { name = "live"; bus = "lan"; unit_id = 1; interval_ms = %d; points = (
      { name = "v"; area = "holding"; address = 0; type = "float32"; } ); },
  { name = "ghost"; bus = "lan"; unit_id = 3; interval_ms = 200; points = (
      { name = "v"; area = "holding"; address = 0; type = "float32"; } ); },
  { name = "far"; bus = "hole"; unit_id = 1; interval_ms = 200; points = (
      { name = "v"; area = "holding"; address = 0; type = "float32"; } ); }""" % interval)
            gw = T.Proc([T.binary("mvgated"), "-c", cfg], name="mvgated")
            try:
                lines = wait_samples(gw, "live", 12, timeout=30)
                ghost = sample_lines(gw, "ghost")
                assert ghost and all("comm_error" in l for _, l in ghost), ghost[:3]
                assert any("device ghost" in l and "offline" in l for l in gw.err_lines), "ghost not marked offline"
                gaps = [(b[0] - a[0]).total_seconds() * 1000 for a, b in zip(lines, lines[1:])]
                # Each poll of the live device comes within one interval of its slot:
                # no gap reaches two intervals, and on average they keep the interval.
                assert max(gaps) < 2 * interval, gaps
                mean = sum(gaps) / len(gaps)
                assert abs(mean - interval) < interval * 0.2, gaps
                assert all("v=230.5" in l for _, l in lines), lines[:3]
            finally:
                assert gw.stop() == 0
    finally:
        blackhole.close()
        peer.stop()


def test_sighup_good_and_bad_config():
    port = T.free_port()
    peer = start_peer(port)
    try:
        with T.TempDir() as d:
            bus = '{ name = "lan"; type = "tcp"; host = "127.0.0.1"; port = %d; timeout_ms = 500; }' % port
            one = '{ name = "m1"; bus = "lan"; unit_id = 1; interval_ms = 200; points = ( { name = "v"; area = "holding"; address = 0; type = "float32"; } ); }'
            two = one + ', { name = "m2"; bus = "lan"; unit_id = 2; interval_ms = 200; points = ( { name = "tag"; area = "holding"; address = 20; type = "uint16"; } ); }'
            cfg = gw_config(d, bus, one)
            gw = T.Proc([T.binary("mvgated"), "-c", cfg], name="mvgated")
            try:
                wait_samples(gw, "m1", 2)
                gw_config(d, bus, two)
                gw.signal(signal.SIGHUP)
                gw.wait_line(r"reloaded: 1 buses, 2 devices", stream="err")
                lines = wait_samples(gw, "m2", 2)
                assert "tag=2000" in lines[-1][1]

                with open(cfg, "a") as f:
                    f.write("devices = oops\n")
                mark = len(gw.err_lines)
                gw.signal(signal.SIGHUP)
                gw.wait_line(r"gw\.conf:\d+: ", stream="err", start=mark)
                gw.wait_line(r"running configuration stays", stream="err", start=mark)
                # Both devices of the running config keep being polled.
                after = len(gw.err_lines)
                wait_samples(gw, "m1", 2, start=after)
                wait_samples(gw, "m2", 2, start=after)
                assert gw.p.poll() is None
            finally:
                assert gw.stop() == 0
    finally:
        peer.stop()


def test_sd_notify_ready_watchdog_reload_stopping():
    port = T.free_port()
    peer = start_peer(port)
    try:
        with T.TempDir() as d:
            sock_path = os.path.join(d, "notify.sock")
            ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            ns.bind(sock_path)
            ns.settimeout(10)
            cfg = gw_config(d, '{ name = "lan"; type = "tcp"; host = "127.0.0.1"; port = %d; }' % port,
                            '{ name = "m1"; bus = "lan"; unit_id = 1; interval_ms = 200; points = ( { name = "v"; area = "holding"; address = 0; type = "float32"; } ); }')
            gw = T.Proc([T.binary("mvgated"), "-c", cfg], name="mvgated",
                        env={"NOTIFY_SOCKET": sock_path, "WATCHDOG_USEC": "400000"})
            got = []

            def recv_until(token):
                while True:
                    msg = ns.recv(4096).decode()
                    got.append(msg)
                    if token in msg.split("\n"):
                        return
            try:
                recv_until("READY=1")
                for _ in range(3):
                    recv_until("WATCHDOG=1")
                gw.signal(signal.SIGHUP)
                recv_until("RELOADING=1")
                recv_until("READY=1")
                gw.signal(signal.SIGTERM)
                recv_until("STOPPING=1")
            finally:
                rc = gw.stop()
                ns.close()
            assert rc == 0
    finally:
        peer.stop()


def test_sigterm_cuts_a_polls_backoff_short():
    """A meter that accepts the connection and never answers, on a bus with
    the largest backoff and 10 retries: the poll would take hours of
    backoffs; SIGTERM during the first one stops the daemon at once (exit 0
    well inside Proc.stop's 20 s, where a stop that waited for the poll is
    SIGKILLed)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    accepted = []

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            accepted.append(c)  # held open, never answered

    threading.Thread(target=serve, daemon=True).start()
    try:
        with T.TempDir() as d:
            cfg = gw_config(d, '{ name = "mute"; type = "tcp"; host = "127.0.0.1"; port = %d; '
                               'timeout_ms = 200; retries = 10; backoff_ms = 60000; }' % srv.getsockname()[1],
                            '{ name = "m1"; bus = "mute"; unit_id = 1; interval_ms = 1000; points = ('
                            ' { name = "v"; area = "holding"; address = 0; type = "uint16"; } ); }')
            gw = T.Proc([T.binary("mvgated"), "-c", cfg], name="mvgated")
            try:
                gw.wait_line(r"started:", stream="err", timeout=15)
                # the first attempt is in flight (it times out after 200 ms;
                # 60 s of backoff follow, then 9 more attempts): stop now
                T.wait_until(lambda: accepted, what="the first request's connection")
            finally:
                rc = gw.stop(timeout=20)
            assert rc == 0, "exit code %s (a stop that waits for the poll's backoffs is killed)" % rc
            assert any("stopped" in l for l in gw.err_lines), gw.err_lines[-5:]
            assert len(accepted) == 1, "a retry was sent after the stop: %d connections" % len(accepted)
    finally:
        srv.close()
        for c in accepted:
            c.close()


def test_bad_config_refuses_to_start():
    with T.TempDir() as d:
        cfg = T.write(os.path.join(d, "bad.conf"), 'gateway = { id = "g"; site = "s"; data_dir = "%s"; };\n'
                      'buses = ( { name = "lan"; type = "tcp"; host = "127.0.0.1"; port = 70000; } );\n' % d)
        r = T.run([T.binary("mvgated"), "-c", cfg], timeout=10)
        assert r.returncode == 1, r
        assert "bad.conf:2:" in r.stderr, r.stderr


if __name__ == "__main__":
    T.main([test_logs_samples_and_stops_on_sigterm, test_dead_devices_do_not_delay_live_one,
            test_sighup_good_and_bad_config, test_sd_notify_ready_watchdog_reload_stopping,
            test_bad_config_refuses_to_start,
            test_sigterm_cuts_a_polls_backoff_short])
