#!/usr/bin/python3
"""Integration test of mvgate-sim: real processes on 127.0.0.1, free ports.

Starts the simulator with --port 0 --control-port 0, waits for its ready
line, reads it with pymodbus (an independent Modbus client), drives faults
through the control port, and stops every process by PID. Needs MVG_BIN (the
build's bin directory) and MVG_SRC (the repository root) from ctest.
"""
import json
import math
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.framer.rtu_framer import ModbusRtuFramer

sys.path.insert(0, os.path.dirname(__file__))
from mvgtest import SRC, binary  # noqa: E402

SIM = binary("mvgate-sim")

# Monday 2026-03-02 08:30 at the site (UTC+8): the morning shift is running.
START = "2026-03-02T00:30:00Z"
SCALE = 600


class Sim:
    """One mvgate-sim process: ports from its ready line, a control client."""

    def __init__(self, *args, scale=SCALE, start=START):
        cmd = [SIM, "--port", "0", "--control-port", "0", "--time-scale", str(scale),
               "--start", start] + list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        line = self._ready_line(10.0)
        fields = dict(f.split("=", 1) for f in line.split()[1:])
        self.tcp = int(fields["tcp"])
        self.control = int(fields["control"])
        self.rtu = fields["rtu"]
        self.rtutcp = int(fields["rtutcp"]) if "rtutcp" in fields else None
        self._ctl = socket.create_connection(("127.0.0.1", self.control), timeout=5)
        self._ctl_file = self._ctl.makefile("rw")

    def _ready_line(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.proc.stdout], [], [], deadline - time.monotonic())
            if r:
                line = self.proc.stdout.readline()
                if not line:
                    break
                if line.startswith("ready "):
                    return line.strip()
        self.stop()
        raise AssertionError("mvgate-sim did not print its ready line")

    def cmd(self, line):
        self._ctl_file.write(line + "\n")
        self._ctl_file.flush()
        return self._ctl_file.readline().strip()

    def status(self):
        return json.loads(self.cmd("status"))

    def client(self, timeout=1):
        # pymodbus 3.0 truncates the timeout to an int: keep it >= 1.
        c = ModbusTcpClient("127.0.0.1", port=self.tcp, timeout=timeout, retries=0)
        if not c.connect():
            raise AssertionError("cannot connect to the simulator")
        return c

    def stop(self):
        """SIGTERM by PID; returns the exit code."""
        try:
            self._ctl.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc.stdout.close()
        return self.proc.returncode


def regs_to_bytes(regs):
    return struct.pack(">%dH" % len(regs), *regs)


def f32(regs, order="ABCD"):
    b = regs_to_bytes(regs)
    if order == "CDAB":
        b = b[2:4] + b[0:2]
    return struct.unpack(">f", b)[0]


def u32(regs, order="ABCD"):
    b = regs_to_bytes(regs)
    if order == "CDAB":
        b = b[2:4] + b[0:2]
    return struct.unpack(">I", b)[0]


def ok_read(resp):
    if resp.isError():
        raise AssertionError("read failed: %s" % resp)
    return resp.registers


class CompressorTest(unittest.TestCase):
    """Plausible values, and counters that are integrals of their rates."""

    # x60: a load/unload cycle takes one to two real seconds, so even a
    # slowed-down sampling loop sees at most one switch between samples.
    def setUp(self):
        self.sim = Sim("--plant", "compressor", "--seed", "7", scale=60)
        self.c = self.sim.client()

    def tearDown(self):
        self.c.close()
        self.assertEqual(self.sim.stop(), 0, "SIGTERM must end mvgate-sim with code 0")

    def read_meter(self):
        r = ok_read(self.c.read_input_registers(0, 18, slave=1))
        h = ok_read(self.c.read_holding_registers(0, 6, slave=2))
        return {
            "v": f32(r[0:2]), "a": f32(r[2:4]), "kw": f32(r[4:6]), "pf": f32(r[6:8]),
            "hz": f32(r[8:10], "CDAB"), "kvar": struct.unpack(">i", regs_to_bytes(r[10:12]))[0] / 100,
            "kwh": u32(r[12:14], "CDAB") / 100, "kwh_fine": int.from_bytes(regs_to_bytes(r[14:18]), "big") / 1000,
            "flow": f32(h[0:2], "CDAB"), "m3": u32(h[2:4]) / 10,
            "bar": struct.unpack(">h", regs_to_bytes(h[4:5]))[0] / 100,
            "temp": struct.unpack(">h", regs_to_bytes(h[5:6]))[0] / 10,
        }

    def test_plausible_values(self):
        m = self.read_meter()
        self.assertTrue(380 < m["v"] < 420, m)
        self.assertTrue(10 < m["kw"] < 70, m)
        self.assertTrue(0.3 < m["pf"] <= 1, m)
        self.assertTrue(49.8 < m["hz"] < 50.2, m)
        self.assertTrue(2 <= m["flow"] <= 9, m)
        self.assertTrue(6.0 < m["bar"] < 8.0, m)
        self.assertTrue(15 < m["temp"] < 45, m)
        # P = sqrt(3) V I PF, within the float32 and rounding of the registers.
        self.assertAlmostEqual(math.sqrt(3) * m["v"] * m["a"] * m["pf"] / 1000, m["kw"], delta=0.01 * m["kw"])
        # The coarse (uint32, 0.01 kWh) and fine (uint64, Wh) registers count the same energy.
        self.assertAlmostEqual(m["kwh"], m["kwh_fine"], delta=0.05)
        st = self.sim.status()
        self.assertEqual(st["plant"], "compressor")
        self.assertEqual(st["phase"], "baseline")
        self.assertTrue(st["clock"].startswith("2026-03-02T00:3"), st["clock"])

    def test_counters_integrate_rates(self):
        """Counter delta against the trapezoid integral of the shown rate.

        The simulator holds every rate constant over 1 s steps of plant time,
        and the status samples here are a few plant seconds apart while the
        compressor changes state about once a minute. Between two samples the
        rate is therefore monotonic (one load/unload switch at most, plus a
        slow drift), so the true integral lies within |r1 - r0| * dt / 2 of
        the trapezoid for that interval: the sum of those terms (x1.2, plus
        0.001 for the 10 significant digits of the status JSON) is the
        tolerance, and it is also checked to be small against the total so
        the test can fail.
        """
        samples = []
        end = time.monotonic() + 2.5  # 150 s of plant time: a few load/unload switches
        while time.monotonic() < end:
            st = self.sim.status()
            samples.append((st["t"], st["values"]))
            time.sleep(0.002)
        self.assertGreater(len(samples), 50)
        for counter, rate, per_s in (("comp_power.energy_kwh", "comp_power.power_kw", 1 / 3600),
                                     ("air_flow.volume_m3", "air_flow.flow_m3min", 1 / 60)):
            integral = bound = 0.0
            for (t0, v0), (t1, v1) in zip(samples, samples[1:]):
                dt = t1 - t0
                integral += (v0[rate] + v1[rate]) / 2 * dt * per_s
                bound += abs(v1[rate] - v0[rate]) / 2 * dt * per_s
            delta = samples[-1][1][counter] - samples[0][1][counter]
            print("\n  %s: delta %.4f, integral %.4f, bound %.4f, %d samples" %
                  (counter, delta, integral, bound, len(samples)), file=sys.stderr)
            self.assertGreater(delta, 0)
            self.assertLess(bound, 0.05 * delta, "samples too sparse for a meaningful check")
            self.assertLessEqual(abs(delta - integral), 1.2 * bound + 0.001,
                                 "%s: delta %.4f vs integral %.4f" % (counter, delta, integral))

    def test_modbus_counters_match_plant(self):
        """The served registers are the plant's counters, quantised by their scale."""
        for _ in range(5):
            before = self.sim.status()["values"]
            m = self.read_meter()
            after = self.sim.status()["values"]
            self.assertGreaterEqual(m["kwh"], math.floor(before["comp_power.energy_kwh"] * 100) / 100 - 1e-9)
            self.assertLessEqual(m["kwh"], after["comp_power.energy_kwh"] + 1e-9)
            self.assertGreaterEqual(m["m3"], math.floor(before["air_flow.volume_m3"] * 10) / 10 - 1e-9)
            self.assertLessEqual(m["m3"], after["air_flow.volume_m3"] + 1e-9)


class RetrofitTest(unittest.TestCase):
    def test_retrofit_uses_less_energy_per_m3(self):
        """Same seed and start: the VSD compressor needs less kWh per m3 of air."""
        sims = {ph: Sim("--plant", "compressor", "--phase", ph, "--seed", "11") for ph in ("baseline", "retrofit")}
        try:
            clients = {ph: s.client() for ph, s in sims.items()}

            def counters(ph):
                r = ok_read(clients[ph].read_input_registers(12, 2, slave=1))
                h = ok_read(clients[ph].read_holding_registers(2, 2, slave=2))
                return u32(r, "CDAB") / 100, u32(h) / 10

            first = {ph: counters(ph) for ph in sims}
            # 2.5 s real = 25 min of plant time: many load/unload cycles.
            deadline = time.monotonic() + 2.5
            while time.monotonic() < deadline:
                sims["baseline"].status()
                time.sleep(0.05)
            last = {ph: counters(ph) for ph in sims}
            spec = {}
            for ph in sims:
                kwh = last[ph][0] - first[ph][0]
                m3 = last[ph][1] - first[ph][1]
                self.assertGreater(m3, 50, ph)
                spec[ph] = kwh / m3
            print("\n  specific energy kWh/m3: %s" % spec, file=sys.stderr)
            # Baseline at this demand: about 0.10 kWh/m3; VSD about 0.08.
            self.assertTrue(0.07 < spec["baseline"] < 0.16, spec)
            self.assertLess(spec["retrofit"], 0.9 * spec["baseline"], spec)
            for c in clients.values():
                c.close()
        finally:
            for s in sims.values():
                self.assertEqual(s.stop(), 0)


class OtherPlantsTest(unittest.TestCase):
    def test_every_plant_serves_its_map(self):
        """Each plant answers on every unit of its example config, values in range."""
        for plant in ("chiller", "boiler", "wastewater", "voc"):
            sim = Sim("--plant", plant)
            try:
                st = sim.status()
                self.assertEqual(st["plant"], plant)
                for name, v in st["values"].items():
                    self.assertIsNotNone(v, name)
                c = sim.client()
                units = sorted({int(k) for k in self._units(plant)})
                for u in units:
                    resp = c.read_input_registers(0, 1, slave=u)
                    if resp.isError():
                        resp = c.read_holding_registers(0, 1, slave=u)
                    self.assertFalse(resp.isError(), "%s unit %d: %s" % (plant, u, resp))
                c.close()
            finally:
                self.assertEqual(sim.stop(), 0)

    @staticmethod
    def _units(plant):
        out = subprocess.run([SIM, "--plant", plant, "--print-map"], capture_output=True, text=True, check=True)
        for line in out.stdout.splitlines()[2:]:
            yield line.split("|")[1].strip()

    def test_boiler_retrofit_less_gas_and_nox(self):
        sims = {ph: Sim("--plant", "boiler", "--phase", ph, "--seed", "3") for ph in ("baseline", "retrofit")}
        try:
            st = {ph: s.status()["values"] for ph, s in sims.items()}
            # Same steam demand (same seed and start), less gas and NOx.
            self.assertAlmostEqual(st["baseline"]["steam_meter.steam_th"], st["retrofit"]["steam_meter.steam_th"],
                                   delta=0.5)
            self.assertLess(st["retrofit"]["gas_meter.gas_nm3h"] / st["retrofit"]["steam_meter.steam_th"],
                            st["baseline"]["gas_meter.gas_nm3h"] / st["baseline"]["steam_meter.steam_th"])
            self.assertLess(st["retrofit"]["flue_cems.nox_mgnm3"], 0.5 * st["baseline"]["flue_cems.nox_mgnm3"])
            # the flow is dry, as the concentrations are (docs/simulator.md):
            # 8.5 Nm3 of dry flue gas per Nm3 of gas at stoichiometry plus
            # 9.5 of air per unit of excess air, not the 10.5 wet
            for v in st.values():
                lam = 21.0 / (21.0 - v["flue_cems.o2_pct"])
                self.assertAlmostEqual(v["flue_cems.flue_nm3h"] / v["gas_meter.gas_nm3h"],
                                       8.5 + 9.5 * (lam - 1.0), delta=0.05)
        finally:
            for s in sims.values():
                self.assertEqual(s.stop(), 0)

    def test_wastewater_and_voc_retrofits(self):
        ww = {ph: Sim("--plant", "wastewater", "--phase", ph, "--seed", "5") for ph in ("baseline", "retrofit")}
        voc = {ph: Sim("--plant", "voc", "--phase", ph, "--seed", "5") for ph in ("baseline", "retrofit")}
        try:
            w = {ph: s.status()["values"] for ph, s in ww.items()}
            self.assertEqual(w["baseline"]["recycled.flow_m3h"], 0)
            frac = w["retrofit"]["recycled.flow_m3h"] / (w["retrofit"]["recycled.flow_m3h"] +
                                                        w["retrofit"]["discharge.flow_m3h"])
            self.assertTrue(0.3 <= frac <= 0.5, frac)
            self.assertLess(w["retrofit"]["discharge.flow_m3h"], w["baseline"]["discharge.flow_m3h"])
            v = {ph: s.status()["values"] for ph, s in voc.items()}
            eff = {ph: 1 - v[ph]["voc_out.voc_mgnm3"] / v[ph]["voc_in.voc_mgnm3"] for ph in v}
            self.assertGreater(eff["retrofit"], 0.95)
            self.assertLess(eff["baseline"], eff["retrofit"])
        finally:
            for s in list(ww.values()) + list(voc.values()):
                self.assertEqual(s.stop(), 0)


class FaultTest(unittest.TestCase):
    # x60: the rollover lead of 120 plant seconds is 2 real seconds.
    def setUp(self):
        self.sim = Sim("--plant", "compressor", "--seed", "9", scale=60)
        self.c = self.sim.client()

    def tearDown(self):
        self.c.close()
        self.assertEqual(self.sim.stop(), 0)

    def test_exceptions(self):
        self.assertEqual(self.sim.cmd("fault exception 6"), "ok")
        self.assertEqual(self.sim.cmd("fault exception 3 2"), "ok")
        r1 = self.c.read_input_registers(0, 2, slave=1)
        r2 = self.c.read_holding_registers(0, 2, slave=2)
        self.assertEqual(getattr(r1, "exception_code", None), 6, r1)
        self.assertEqual(getattr(r2, "exception_code", None), 3, r2)
        self.assertEqual(self.sim.cmd("clear"), "ok")
        ok_read(self.c.read_input_registers(0, 2, slave=1))
        # A unit with no meter behind the TCP gateway: exception 0x0B.
        r = self.c.read_input_registers(0, 2, slave=42)
        self.assertEqual(getattr(r, "exception_code", None), 0x0B, r)
        # Past the end of a map: illegal data address, from libmodbus.
        r = self.c.read_input_registers(16, 4, slave=1)
        self.assertEqual(getattr(r, "exception_code", None), 2, r)
        self.assertTrue(self.sim.cmd("fault exception 12").startswith("error:"))
        self.assertTrue(self.sim.cmd("fault exception 4 42").startswith("error:"))

    def test_nan(self):
        self.assertEqual(self.sim.cmd("fault nan 1 4"), "ok")
        regs = ok_read(self.c.read_input_registers(4, 2, slave=1))
        self.assertTrue(math.isnan(f32(regs)), regs)
        self.assertEqual(self.sim.cmd("fault nan 2 0"), "ok")  # float32 CDAB
        self.assertTrue(math.isnan(f32(ok_read(self.c.read_holding_registers(0, 2, slave=2)), "CDAB")))
        self.assertTrue(self.sim.cmd("fault nan 1 12").startswith("error:"), "uint32 cannot be NaN")
        self.assertTrue(self.sim.cmd("fault nan 1 13").startswith("error:"), "not the start of a point")
        self.assertEqual(self.sim.cmd("clear"), "ok")
        self.assertFalse(math.isnan(f32(ok_read(self.c.read_input_registers(4, 2, slave=1)))))

    def test_rollover_and_reset(self):
        before = u32(ok_read(self.c.read_input_registers(12, 2, slave=1)), "CDAB")
        self.assertEqual(self.sim.cmd("fault rollover 1 12"), "ok")
        near = u32(ok_read(self.c.read_input_registers(12, 2, slave=1)), "CDAB")
        # 120 s of plant time short of 2^32 at <= 70 kW is < 250 counts of 0.01 kWh.
        self.assertTrue(near > 2 ** 32 - 250 or near < 250, (before, near))
        deadline = time.monotonic() + 10
        wrapped = None
        while time.monotonic() < deadline:
            v = u32(ok_read(self.c.read_input_registers(12, 2, slave=1)), "CDAB")
            if v < 2 ** 31:
                wrapped = v
                break
            time.sleep(0.02)
        self.assertIsNotNone(wrapped, "counter did not roll over")
        self.assertLess(wrapped, 10000)
        # Reset: the flow meter's m3 counter (uint32 ABCD) starts again from 0.
        m3 = u32(ok_read(self.c.read_holding_registers(2, 2, slave=2)))
        self.assertGreater(m3, 10000)
        self.assertEqual(self.sim.cmd("fault reset 2 2"), "ok")
        after = u32(ok_read(self.c.read_holding_registers(2, 2, slave=2)))
        self.assertLess(after, 200)  # < 20 m3: under 3 real seconds of air at x60
        time.sleep(0.1)
        self.assertGreater(u32(ok_read(self.c.read_holding_registers(2, 2, slave=2))), after)
        self.assertTrue(self.sim.cmd("fault rollover 1 4").startswith("error:"), "a gauge has no rollover")

    def test_drop(self):
        ok_read(self.c.read_input_registers(0, 2, slave=1))
        self.assertEqual(self.sim.cmd("fault drop 1"), "ok")
        # A dead meter behind a live gateway: silence (a timeout, not an
        # exception) for that unit, on a connection that stays up.
        r = self.c.read_input_registers(0, 2, slave=1)
        self.assertTrue(r.isError(), r)
        self.assertFalse(hasattr(r, "exception_code"), "a dropped unit answers nothing: %s" % r)
        self.assertNotIn("reset", str(r).lower())
        ok_read(self.c.read_holding_registers(0, 2, slave=2))  # the other meter still answers
        # The whole gateway: connections closed, nothing answers.
        self.assertEqual(self.sim.cmd("fault drop"), "ok")
        r = self.c.read_holding_registers(0, 2, slave=2)
        self.assertTrue(r.isError(), r)
        c2 = self.sim.client()
        r = c2.read_holding_registers(0, 2, slave=2)
        self.assertTrue(r.isError() and not hasattr(r, "exception_code"), r)
        c2.close()
        self.assertEqual(self.sim.cmd("clear"), "ok")
        c3 = self.sim.client()
        ok_read(c3.read_input_registers(0, 2, slave=1))
        c3.close()

    def test_delay_does_not_block_others(self):
        self.assertEqual(self.sim.cmd("fault delay 1500 1"), "ok")
        order = []

        def slow():
            c = self.sim.client(timeout=4)
            t0 = time.monotonic()
            r = c.read_input_registers(0, 2, slave=1)
            order.append(("slow", time.monotonic() - t0, r.isError()))
            c.close()

        th = threading.Thread(target=slow)
        th.start()
        time.sleep(0.1)  # let the slow request reach the simulator first
        fast = self.sim.client()
        ok_read(fast.read_holding_registers(0, 2, slave=2))
        order.append(("fast", 0, False))
        fast.close()
        th.join(10)
        self.assertEqual([o[0] for o in order], ["fast", "slow"], order)
        self.assertFalse(order[1][2], "the delayed read must still be answered")
        self.assertGreaterEqual(order[1][1], 1.4, "answer came earlier than the delay")

    def test_phase_and_bad_commands(self):
        self.assertEqual(self.sim.cmd("phase retrofit"), "ok")
        self.assertEqual(self.sim.status()["phase"], "retrofit")
        for bad in ("phase", "phase later", "fault", "fault melt", "fault delay x", "fault delay 10 300",
                    "frobnicate"):
            self.assertTrue(self.sim.cmd(bad).startswith("error: "), bad)


class BulkAndRtuTest(unittest.TestCase):
    def test_bulk(self):
        sim = Sim("--bulk-devices", "3", "--bulk-points", "50")
        try:
            c = sim.client()
            regs = ok_read(c.read_holding_registers(0, 100, slave=3))
            vals = [f32(regs[2 * j:2 * j + 2]) for j in range(50)]
            for j, v in enumerate(vals):
                self.assertAlmostEqual(v, 300 + j, delta=10.001)
            r = c.read_holding_registers(0, 2, slave=4)
            self.assertEqual(getattr(r, "exception_code", None), 0x0B)
            self.assertTrue(c.read_holding_registers(98, 4, slave=1).isError())
            c.close()
            self.assertEqual(sim.status()["points"], 150)
        finally:
            self.assertEqual(sim.stop(), 0)

    def test_rtu(self):
        d = tempfile.mkdtemp(prefix="mvg-sim-")
        path = os.path.join(d, "tty-sim")
        sim = Sim("--plant", "compressor", "--rtu", path)
        try:
            self.assertEqual(sim.rtu, path)
            self.assertTrue(os.path.islink(path))
            c = ModbusSerialClient(port=path, baudrate=19200, timeout=1, retries=0)
            self.assertTrue(c.connect())
            regs = ok_read(c.read_holding_registers(4, 2, slave=2))
            self.assertTrue(600 < regs[0] < 800, regs)  # pressure in 0.01 bar
            kw = f32(ok_read(c.read_input_registers(4, 2, slave=1)))
            self.assertTrue(10 < kw < 70, kw)
            # No meter at unit 5: a serial line stays silent.
            self.assertTrue(c.read_holding_registers(0, 2, slave=5).isError())
            c.close()
        finally:
            self.assertEqual(sim.stop(), 0)
            self.assertFalse(os.path.lexists(path), "the RTU symlink must be removed on exit")
            os.rmdir(d)


    def test_rtu_over_tcp(self):
        sim = Sim("--plant", "compressor", "--rtu-tcp-port", "0")
        try:
            self.assertIsNotNone(sim.rtutcp)
            c = ModbusTcpClient("127.0.0.1", port=sim.rtutcp, framer=ModbusRtuFramer, timeout=1, retries=0)
            self.assertTrue(c.connect())
            regs = ok_read(c.read_holding_registers(4, 2, slave=2))
            self.assertTrue(600 < regs[0] < 800, regs)
            self.assertTrue(10 < f32(ok_read(c.read_input_registers(4, 2, slave=1))) < 70)
            # A transparent serial server passes no gateway exception: silence.
            r = c.read_holding_registers(0, 2, slave=5)
            self.assertTrue(r.isError() and not hasattr(r, "exception_code"), r)
            self.assertEqual(sim.cmd("fault exception 2 1"), "ok")
            r = c.read_input_registers(4, 2, slave=1)
            self.assertEqual(getattr(r, "exception_code", None), 2, r)
            c.close()
            # The MBAP port is unaffected by the extra listener.
            m = sim.client()
            ok_read(m.read_holding_registers(4, 2, slave=2))
            m.close()
        finally:
            self.assertEqual(sim.stop(), 0)


class ExampleConfigTest(unittest.TestCase):
    def test_examples_match_simulator(self):
        """config/examples/<plant>.conf is exactly what the simulator generates."""
        for plant in ("compressor", "chiller", "boiler", "wastewater", "voc"):
            out = subprocess.run([SIM, "--plant", plant, "--print-config"], capture_output=True, text=True,
                                 check=True).stdout
            with open(os.path.join(SRC, "config", "examples", plant + ".conf")) as f:
                self.assertEqual(f.read(), out, "regenerate config/examples/%s.conf with --print-config" % plant)

    def test_bad_arguments(self):
        for args in (["--plant", "reactor"], ["--plant", "voc", "--phase", "later"], [],
                     ["--plant", "voc", "--time-scale", "0"], ["--bulk-devices", "3"],
                     ["--plant", "voc", "--start", "yesterday"]):
            r = subprocess.run([SIM] + args, capture_output=True, text=True)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("mvgate-sim:", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
