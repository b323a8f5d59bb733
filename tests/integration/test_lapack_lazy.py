"""mvgated maps LAPACK only once it fits a model (daemon/gateway/lapack_dl.c):
on a run of the simulated compressor plant (x600) with a project whose
baseline ends at 01:00 plant time, /proc/PID/maps of the running daemon
has no LAPACKE, LAPACK, BLAS or Fortran runtime while the baseline is
collected (intervals already recorded), and has LAPACKE after the model
was fitted, with the fitted model logged; restarted, with the model in its
saved state, it maps none of them again."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, ORIGIN_S, SCALE, SHORT_PROJECT, plant_s  # noqa: E402

LAPACK_LIBS = ("liblapacke", "liblapack.so", "libblas", "libgfortran")


def mapped(pid):
    with open("/proc/%d/maps" % pid) as f:
        paths = {line.split()[-1] for line in f if "/" in line}
    return sorted(p for p in paths if any(n in os.path.basename(p) for n in LAPACK_LIBS))


def test_lapack_mapped_at_the_first_fit():
    with T.TempDir() as d:
        anchor = time.time()
        sim = T.plant_sim("compressor", 3)
        gw = None
        try:
            cfg = T.fast_gateway_config("compressor", sim.port, d, SHORT_PROJECT)
            gw = T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name="mvgated")
            gw.wait_line(r"comp-vsd \S+ baseline electricity: ", stream="err", timeout=20)
            # the engine runs (an interval of the project was logged), the
            # baseline still has at least 20 plant minutes to go
            assert plant_s(anchor) < ORIGIN_S + 40 * 60, "too slow: the baseline nearly ended"
            before = mapped(gw.pid)
            assert before == [], before
            m = gw.wait_line(r"comp-vsd: baseline model of electricity: (\S+)", stream="err",
                             timeout=30)
            assert m.group(1).startswith("linear"), m.group(0)
            after = mapped(gw.pid)
            assert any("liblapacke.so.3" in p for p in after), after
            assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
            # restarted with the model in its saved state: no fit, no LAPACK
            gw = T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name="mvgated")
            gw.wait_line(r"comp-vsd \S+ (installation|reporting) electricity: ", stream="err",
                         timeout=20)
            restarted = mapped(gw.pid)
            assert restarted == [], restarted
            assert gw.stop() == 0, "\n".join(gw.err_lines[-20:])
        finally:
            if gw:
                gw.stop()
            sim.stop()


if __name__ == "__main__":
    T.main([test_lapack_mapped_at_the_first_fit])
