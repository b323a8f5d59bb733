"""The fleet (issue 13 item 5): 20 gateways, mvgated on simulated plants of
every technology the simulator has (compressor, chiller, boiler,
wastewater, VOC: four gateways each, one mvgate-sim per plant serving its
four), accelerated x600, through one mosquitto to two mvgate-hub
instances sharing the subscription ($share) and one PostgreSQL (a real
server started here as an unprivileged user):

- while the gateways run, one hub is SIGKILLed and started again after a
  while, and the broker is stopped and started again (its sessions kept
  on disk): nothing is lost;
- every chained record of every gateway's own store (its chain export) is
  one hub_records row with the exact bytes, verified "ok" once, and the
  counts per gateway, project and chain position agree;
- the sums of the converted figures (kWh, TJ, t CO2, kg pollutant, m3
  water, HK$) of the hub's verified interval records equal those of the
  gateways' own interval records, per project and over the programme;
- a record re-signed under a forger's key, injected with mosquitto_pub,
  raises the unknown-key alert naming its gateway, project and chain
  position, once, on the shared database.

It prints the figures (gateways, records, messages, time of each step)."""

import json
import os
import re
import signal
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402
from mvgtest import ORIGIN, ORIGIN_S, SCALE, Mosquitto, mvgate, plant_s  # noqa: E402

PER_PLANT = 4
HOURS = 1.6          # plant hours the gateways run (about 10 s of real time at x600)
REPORTING_H = 1 + 10 / 60
DAY = ORIGIN[:11]
PERIODS = """interval_min = 5;
    baseline = { start = "%s"; end = "%s01:00:00Z"; };
    installation = { start = "%s01:00:00Z"; end = "%s01:10:00Z"; };
    reporting = { start = "%s01:10:00Z"; };""" % (ORIGIN, DAY, DAY, DAY, DAY)

# One project per plant, on the devices of its example config
# (config/examples/), with the streams its technology reports.
PROJECTS = {
    "compressor": ("comp-vsd", "air_compressor", """
      { name = "electricity"; type = "electricity"; unit = "kWh"; actual = "comp_power.energy_kwh";
        model = { type = "linear"; x = [ "air_flow.volume_m3" ]; };
        co2_kg_per_unit = 0.49; cost_per_unit = 1.35; }"""),
    "chiller": ("chiller-mb", "chiller", """
      { name = "electricity"; type = "electricity"; unit = "kWh"; actual = "chiller_power.energy_kwh";
        model = { type = "linear"; x = [ "chw_btu.cooling_kwh" ]; };
        co2_kg_per_unit = 0.49; cost_per_unit = 1.35; }"""),
    "boiler": ("boiler-burner", "boiler", """
      { name = "gas"; type = "fuel"; fuel = "natural_gas"; unit = "Nm3"; actual = "gas_meter.gas_nm3";
        model = { type = "linear"; x = [ "steam_meter.steam_t" ]; };
        factors = { kg_per_unit = 0.75; cost_per_unit = 4.5; }; },
      { name = "nox"; type = "nox"; unit = "kg"; conc = "flue_cems.nox_mgnm3";
        o2 = "flue_cems.o2_pct"; flow = "flue_cems.flue_nm3h";
        factors = { o2_ref = 3.0; flow_basis = "measured"; };
        model = { type = "linear"; x = [ "steam_meter.steam_t" ]; }; }"""),
    "wastewater": ("water-recycling", "wastewater_recycling", """
      { name = "freshwater"; type = "water"; unit = "m3"; actual = "intake.volume_m3";
        model = { type = "linear"; x = [ "production.output_t" ]; }; cost_per_unit = 4.58; },
      { name = "wastewater"; type = "wastewater"; unit = "m3"; actual = "discharge.volume_m3";
        model = { type = "linear"; x = [ "production.output_t" ]; }; cost_per_unit = 1.2; }"""),
    "voc": ("voc-rto", "voc_treatment", """
      { name = "voc"; type = "voc"; unit = "kg";
        inlet = { conc = "voc_in.voc_mgnm3"; flow = "exhaust.flow_nm3h"; };
        outlet = { conc = "voc_out.voc_mgnm3"; flow = "exhaust.flow_nm3h"; };
        model = { type = "linear"; x = [ "voc_in.voc_mgnm3 * exhaust.flow_nm3h / 1000000" ]; }; },
      { name = "fan"; type = "electricity"; unit = "kWh"; actual = "exhaust.fan_kwh";
        model = { type = "mean"; }; co2_kg_per_unit = 0.39; cost_per_unit = 1.2; }"""),
}
FIGURES = ("kwh", "tj", "co2_t", "pollutant_kg", "water_m3", "cost_hkd")


def gateway_config(plant, n, sim_port, d, broker_port):
    """<d>/gw.conf: plant's example config as gateway gw-fNN-<plant>, polled
    every 100 ms (a plant minute), its project, publishing records to the
    broker (no raw telemetry: the records are what the hubs verify)."""
    name, tech, streams = PROJECTS[plant]
    gw = "gw-f%02d-%s" % (n, plant)
    text = T.example_config(plant, sim_port, d).replace("interval_ms = 1000", "interval_ms = 100")
    text, k = re.subn(r'(gateway = \{ id = ")[^"]*"', r'\g<1>%s"' % gw, text)
    assert k == 1, plant
    text += """
projects = (
  { name = "%s"; technology = "%s"; %s
    streams = (%s
    ); }
);
mqtt = { uri = "tcp://127.0.0.1:%d"; telemetry = "off"; };
""" % (name, tech, PERIODS, streams, broker_port)
    return gw, T.write(os.path.join(d, "gw.conf"), text)


def register_line(cfg):
    r = mvgate("key", "show", "-c", cfg)
    assert r.returncode == 0, r.stderr
    line = [l for l in r.stdout.splitlines() if l.startswith("register line: ")]
    assert line and not line[0].startswith("register line: none"), r.stdout
    return line[0][len("register line: "):]


def own_records(cfg):
    """The gateway's chained records from its own store: {(project, chain): bytes}."""
    out = {}
    r = mvgate("export", "-c", cfg, "--format", "jsonl", "--what", "chain")
    assert r.returncode == 0, r.stderr
    for line in r.stdout.splitlines():
        if line.strip():
            doc = json.loads(line)
            if doc["kind"] == "head":
                continue
            out[(doc["project"], doc["chain"])] = line[line.index(',"record":') + 10:-1].encode()
    return out


def unsent(cfg):
    """Chained records in the gateway's outbox not yet delivered to the
    broker. Head and totals messages are left out: a clean stop queues a
    head record it does not wait to send (docs/mqtt.md), and neither is in
    the chain the hubs verify."""
    c = sqlite3.connect(os.path.join(os.path.dirname(cfg), "mvgate.db"), timeout=10)
    try:
        return c.execute("SELECT COUNT(*) FROM outbox WHERE publisher = 'mqtt'"
                         " AND delivered = 0 AND topic NOT LIKE '%/head/%'"
                         " AND topic NOT LIKE '%/totals/%'").fetchone()[0]
    finally:
        c.close()


def sums(docs):
    """{project: {figure: sum}} of the converted figures of the reporting
    streams of the interval records among docs (parsed records,
    docs/mqtt.md), added in (gateway, project, seq) order so that two lists
    of the same records give the same floats."""
    out = {}
    docs = [x for x in docs if x["schema"].startswith("mvgate/interval/")]
    for x in sorted(docs, key=lambda x: (x["gateway"], x["project"], x["seq"])):
        if x["phase"] != "reporting":
            continue
        acc = out.setdefault(x["project"], dict.fromkeys(FIGURES, 0.0))
        for s in x["streams"]:
            for f in FIGURES:
                # null: an interval not counted (low coverage, no model yet) adds nothing
                v = s.get("converted", {}).get(f)
                acc[f] += v if v is not None else 0.0
    return out


def test_fleet():
    t0 = time.monotonic()
    steps = []

    def step(what):
        steps.append((what, time.monotonic() - t0))

    pg = T.Postgres()
    sims, gws, hubs = [], [], []
    broker = None
    try:
        with T.TempDir() as d:
            port = T.free_port()
            broker = Mosquitto(d, port)
            reg = T.write(os.path.join(d, "register.txt"), "")
            db = 'backend = "postgresql"; conninfo = "%s";' % pg.conninfo()
            # the gateways' heads every plant 15 min are not what this
            # checks: missing_grace_s keeps the alert pass quiet meanwhile
            confs = [T.hub_conf(d, n, port, db, 'shared_group = "fleet";')
                     for n in ("hub-1", "hub-2")]
            hubs = [T.start_hub(c) for c in confs]  # before the gateways: $share gets no retained
            step("postgres, broker and two hubs up")

            anchor = time.time()
            for plant in PROJECTS:
                sims.append(T.plant_sim(plant, 11 + len(sims)))
            fleet = []  # (gateway id, plant, config)
            for i, plant in enumerate(PROJECTS):
                for k in range(PER_PLANT):
                    n = i * PER_PLANT + k + 1
                    gd = os.path.join(d, "gw%02d" % n)
                    os.mkdir(gd)
                    gw, cfg = gateway_config(plant, n, sims[i].port, gd, port)
                    fleet.append((gw, plant, cfg))
                    gws.append(T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name=gw))
            for gw, _, cfg in fleet:
                T.wait_until(lambda: os.path.exists(os.path.join(os.path.dirname(cfg),
                                                                 "gateway.pub")),
                             20, "the key of %s" % gw)
            T.write(reg, "".join("%s\n" % register_line(cfg) for _, _, cfg in fleet))
            for h in hubs:
                h.signal(signal.SIGHUP)
                h.wait_line(r"register re-read: %d enrolled" % len(fleet), timeout=10,
                            stream="err")
            step("%d gateways started and enrolled" % len(fleet))

            # the faults from the plant hour the fleet is up at (a slow
            # start, e.g. under a sanitizer, shifts them and the end)
            h0 = (plant_s(anchor) - ORIGIN_S) / 3600
            end_h = max(HOURS, h0 + 1.0)
            state = {"hub_killed": None, "hub_back": False, "broker": False, "retrofit": False}
            while plant_s(anchor) < ORIGIN_S + end_h * 3600:
                for p in gws + hubs:
                    p.pump(0)
                time.sleep(0.05)
                h = (plant_s(anchor) - ORIGIN_S) / 3600
                if state["hub_killed"] is None and h >= max(0.4, h0 + 0.1):
                    hubs[1].signal(signal.SIGKILL)  # down for a while: its session queues
                    hubs[1].p.wait()
                    state["hub_killed"] = h
                    step("hub-2 SIGKILLed at plant hour %.2f" % h)
                elif (state["hub_killed"] is not None and not state["hub_back"] and
                      h >= state["hub_killed"] + 0.2):
                    hubs[1] = T.start_hub(confs[1])
                    state["hub_back"] = True
                    step("hub-2 back at plant hour %.2f" % h)
                elif state["hub_back"] and not state["broker"] and h >= max(0.8, h0 + 0.5):
                    # mosquitto saves the sessions and their queues, but not a
                    # session's shared subscription: what gateways publish
                    # before the hubs subscribe again reaches no one (docs/
                    # hub.md). So the gateways are held (SIGSTOP) over the
                    # restart until both hubs have resumed their sessions, as
                    # an operator restarts the broker before the gateways.
                    resumed = [sum("(session resumed)" in l for l in x.err_lines) for x in hubs]
                    for p in gws:
                        p.signal(signal.SIGSTOP)
                    try:
                        broker.stop()
                        time.sleep(1.0)
                        broker.start()
                        for x, n in zip(hubs, resumed):
                            T.wait_until(lambda: x.pump(0) or sum("(session resumed)" in l
                                                                  for l in x.err_lines) > n,
                                         30, "%s to resume after the broker's restart" % x.name)
                    finally:
                        for p in gws:
                            p.signal(signal.SIGCONT)
                    state["broker"] = True
                    step("broker restarted at plant hour %.2f" % h)
                elif not state["retrofit"] and h >= REPORTING_H:
                    for s in sims:
                        assert s.control("phase retrofit").startswith("ok")
                    state["retrofit"] = True
            assert state["broker"] and state["retrofit"], state
            # both hubs came back to the sessions the broker kept: the
            # killed one after its restart, the other after the broker's
            for h in hubs:
                T.wait_until(lambda: h.pump(0) or any("(session resumed)" in l
                                                      for l in h.err_lines), 30,
                             "%s to resume its session" % h.name)
            for p in gws:
                assert p.stop() == 0, (p.name, p.err_lines[-20:])
            gws = []
            step("gateways stopped after %.1f plant hours" % end_h)
            # A gateway's stop does not wait for the broker: what its outbox
            # still holds is sent when it runs again (docs/store.md). Under
            # a sanitizer build the broker restart can leave a backlog that
            # the last minutes do not clear, so a gateway stopped with unsent
            # records runs again until its outbox is empty. It is then frozen
            # (SIGSTOP) at a moment nothing is left and killed, since a clean
            # stop of a running, accelerated gateway always leaves its newest
            # record behind: an interval ends every 1.5 s here.
            behind = [(gw, cfg) for gw, _, cfg in fleet if unsent(cfg)]
            if behind:
                step("gateways with unsent records, run again: %s" % [gw for gw, _ in behind])
                gws = [T.Proc(T.accelerated_mvgated(cfg, SCALE, ORIGIN, anchor), name=gw)
                       for gw, cfg in behind]

                def frozen_empty(p, cfg):
                    p.pump(0)
                    p.signal(signal.SIGSTOP)
                    time.sleep(0.05)  # every thread stopped
                    if not unsent(cfg):
                        return True
                    p.signal(signal.SIGCONT)
                    return False

                for (gw, cfg), p in zip(behind, gws):
                    T.wait_until(lambda: frozen_empty(p, cfg), 90,
                                 "%s to send its outbox" % gw, interval=0.3)
                for p in gws:
                    p.signal(signal.SIGKILL)
                    p.p.wait()
                gws = []

            own = {gw: own_records(cfg) for gw, _, cfg in fleet}
            total = sum(len(v) for v in own.values())
            assert all(own.values()), [gw for gw, v in own.items() if not v]

            def count_ok():
                for h in hubs:
                    h.pump(0)
                return int(pg.psql("SELECT COUNT(*) FROM hub_records WHERE verdict = 'ok'")[0][0])
            try:
                T.wait_until(lambda: count_ok() >= total, 90, "%d records verified" % total,
                             interval=0.5)
            except AssertionError:
                rows = pg.psql("SELECT gateway, project, chain, verdict FROM hub_records")
                have = {(g, p, int(c)): v for g, p, c, v in rows}
                want = {(gw, p, ch) for gw, recs in own.items() for p, ch in recs}
                # a gateway's stop does not wait for the broker: say what
                # each one had not sent yet
                left = {gw: unsent(cfg) for gw, _, cfg in fleet}
                raise AssertionError("%d of %d verified; not stored: %s; not ok: %s; unsent by"
                                     " the gateways: %s; hubs:\n%s" % (
                                         count_ok(), total, sorted(want - set(have))[:10],
                                         sorted((k, v) for k, v in have.items() if v != "ok")[:10],
                                         {g: n for g, n in left.items() if n},
                                         "\n".join(l for h in hubs for l in h.err_lines[-8:])))
            step("%d records verified" % total)

            # every record once, its exact bytes, "ok", decided by one of the hubs
            rows = pg.psql("SELECT gateway, project, chain, verdict, verified_by,"
                           " encode(payload, 'hex') FROM hub_records")
            got = {}
            for gw, proj, ch, v, by, hexb in rows:
                key = (gw, proj, int(ch))
                assert key not in got, ("two records at one position", key)
                got[key] = bytes.fromhex(hexb)
                assert v == "ok" and by in ("hub-1", "hub-2"), (key, v, by)
            want = {(gw, p, ch): raw for gw, recs in own.items() for (p, ch), raw in recs.items()}
            assert set(got) == set(want), sorted(set(got) ^ set(want))[:10]
            assert all(got[k] == want[k] for k in want), [k for k in want if got[k] != want[k]][:5]
            # the counts per gateway and project, as the database has them
            counts = {(gw, p): (int(n), int(hi)) for gw, p, n, hi in pg.psql(
                "SELECT gateway, project, COUNT(*), MAX(chain) FROM hub_records"
                " WHERE verdict = 'ok' GROUP BY gateway, project")}
            for gw, recs in own.items():
                for proj in {p for p, _ in recs}:
                    n = sum(1 for p, _ in recs if p == proj)
                    hi = max(ch for p, ch in recs if p == proj)
                    assert counts[(gw, proj)] == (n, hi) and n == hi, (gw, proj, counts.get(
                        (gw, proj)), n, hi)
            linked = int(pg.psql("SELECT COUNT(DISTINCT record_id) FROM hub_messages"
                                 " WHERE record_id IS NOT NULL")[0][0])
            assert linked == total, (linked, total)
            by_hub = dict(pg.psql("SELECT hub, COUNT(*) FROM hub_messages GROUP BY hub"))
            assert set(by_hub) == {"hub-1", "hub-2"}, by_hub
            msgs = sum(int(v) for v in by_hub.values())

            # the programme's sums: the hub's verified records against the
            # gateways' own interval records
            own_intervals = [x["record"] for _, _, cfg in fleet for x in T.export(cfg)]
            hub_sum = sums([json.loads(got[k]) for k in got])
            own_sum = sums(own_intervals)
            assert set(hub_sum) == set(own_sum) == {p for p, _, _ in PROJECTS.values()}, \
                (sorted(hub_sum), sorted(own_sum))
            for proj, figs in own_sum.items():
                for f in FIGURES:
                    assert abs(hub_sum[proj][f] - figs[f]) <= 1e-9 * max(1.0, abs(figs[f])), \
                        (proj, f, hub_sum[proj][f], figs[f])
            assert hub_sum["comp-vsd"]["kwh"] > 0 and hub_sum["water-recycling"]["water_m3"] != 0
            programme = {f: sum(v[f] for v in hub_sum.values()) for f in FIGURES}
            # the programme's measured totals (mvgate programme, from the
            # shared PostgreSQL) are the sums of the gateways' own records
            r = T.run([T.binary("mvgate"), "programme", "-c", confs[0], "--format", "json"])
            assert r.returncode == 0, r.stdout + r.stderr
            tot = json.loads(r.stdout)["totals"]
            got = {f: tot["measured"][f] or 0.0 for f in ("tj", "co2_t", "water_m3", "cost_hkd")}
            got["pollutant_t"] = sum(tot["measured"][k] or 0.0 for k in ("voc_t", "so2_t", "nox_t"))
            want = dict((f, programme[f]) for f in ("tj", "co2_t", "water_m3", "cost_hkd"))
            want["pollutant_t"] = programme["pollutant_kg"] / 1000.0
            print("fleet: programme totals", got)
            for f, w in want.items():
                assert abs(got[f] - w) <= 1e-9 * max(1.0, abs(w)), (f, got[f], w)
            assert tot["projects_bad"] == 0 and tot["projects"] >= len(fleet), tot

            # a forgery: the next position of one gateway's chain re-signed
            # under another key, injected beside the real record
            gw, plant, cfg = fleet[5]
            proj = PROJECTS[plant][0]
            ch = max(c for p, c in own[gw] if p == proj)
            raw = own[gw][(proj, ch)]
            fake, fake_fp = T.forged(raw)
            kind = json.loads(raw)["schema"].split("/")[1]
            T.mqtt_publish(port, "mvgate/v1/%s/%s/%s" % (gw, kind, proj), fake)

            def alert():
                for h in hubs:
                    h.pump(0)
                return pg.psql("SELECT gateway, project, chain_from, raised_by FROM hub_alerts"
                               " WHERE kind = 'unknown-key'")
            T.wait_until(lambda: alert(), 20, "the unknown-key alert", interval=0.2)
            rows = alert()
            assert [r[:3] for r in rows] == [[gw, proj, str(ch)]], rows
            line = "alert raised: unknown-key: gateway %s project %s chain %d:" % (gw, proj, ch)
            logged = [l for h in hubs for l in h.err_lines if line in l]
            assert len(logged) == 1 and fake_fp in logged[0], logged
            step("forgery alerted")
            # and nothing else is wrong: no record missing, altered or
            # restarted on the way (offline: the gateways' clean stops)
            kinds = {k for k, in pg.psql("SELECT DISTINCT kind FROM hub_alerts"
                                          " WHERE severity = 'alarm'")}
            assert kinds == {"unknown-key", "offline"}, kinds
            for h in hubs:
                assert h.stop() == 0, h.err_lines[-10:]
            hubs = []

            print("fleet: %d gateways on %d plants, x%d, %.1f plant hours; %d records"
                  " (%d messages stored by two hubs: %s); programme %s"
                  % (len(fleet), len(PROJECTS), SCALE, end_h, total, msgs,
                     ", ".join("%s %s" % kv for kv in sorted(by_hub.items())),
                     ", ".join("%s %.6g" % (f, programme[f]) for f in FIGURES)))
            for what, t in steps:
                print("  %6.1f s  %s" % (t, what))
    finally:
        for p in gws + hubs + sims:
            p.stop()
        if broker:
            broker.stop()
        pg.stop()


if __name__ == "__main__":
    T.main([test_fleet])
