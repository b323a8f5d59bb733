#!/bin/sh
# The README's demo command: installs what it needs, builds mvgate, and runs
# the whole pipeline on a simulated air-compressor plant for a plant week
# with accelerated clocks (x3000; DEMO_SCALE sets it): a two-day baseline of
# the fixed-speed compressor (about 58 s), the baseline model fitted with
# its ASHRAE 14 statistics, then the simulator switches to the VSD retrofit
# and every plant hour shows the verified savings (kWh, TJ, t CO2, HK$, with
# the uncertainty). The verifier's hub (mvgate-hub) runs beside the gateway
# on the same broker, with the gateway enrolled in its register, and stores
# and verifies every record as it arrives. At the end of the week
# (DEMO_REPORTING_HOURS of retrofit, 119 by default) the demo stops the
# daemon, checks the signed chain against the enrolled key, writes the
# verification report from the gateway's store and from the hub's verified
# records, each in English and Traditional Chinese, into build/demo/
# (DEMO_OUT), says where they are and ends by itself, within about five
# minutes. Ctrl-C stops everything it started earlier.
set -eu
cd "$(dirname "$0")/.."

sh tools/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
echo "demo: building mvgate (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs" --target mvgated mvgate mvgate-sim mvgate-hub \
    >"${TMPDIR:-/tmp}/mvgate-demo-build.log" 2>&1 ||
    { cat "${TMPDIR:-/tmp}/mvgate-demo-build.log"; exit 1; }

SCALE=${DEMO_SCALE:-3000}
# one poll a plant minute
POLL_MS=$((60000 / SCALE))
[ "$POLL_MS" -ge 10 ] || POLL_MS=10
ORIGIN=2026-01-05T00:00:00Z
PROJECT=compressor-vsd
# reporting intervals (5 min each) before the demo ends by itself: the rest
# of the plant week after the two-day baseline and the hour of installation
REPORTING_INTERVALS=$((${DEMO_REPORTING_HOURS:-119} * 12))
work=$(mktemp -d "${TMPDIR:-/tmp}/mvgate-demo.XXXXXX")
# the reports outlive the run (the working directory does not)
out=${DEMO_OUT:-build/demo}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/*.html
sim_pid=""
gw_pid=""
broker_pid=""
hub_pid=""
cleanup() {
    trap - INT TERM EXIT
    [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null
    [ -n "$hub_pid" ] && kill "$hub_pid" 2>/dev/null && wait "$hub_pid" 2>/dev/null
    [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
    rm -rf "$work"
    echo "demo: stopped"
}
trap cleanup INT TERM EXIT

# Waits up to 10 s for the command "$@" to succeed.
wait_for() {
    tries=0
    until "$@"; do
        tries=$((tries + 1))
        [ "$tries" -lt 100 ] || return 1
        sleep 0.1
    done
}

# The simulator picks free ports and says which on its first line.
mkfifo "$work/sim.out"
build/bin/mvgate-sim --plant compressor --phase baseline --port 0 --control-port 0 \
    --time-scale "$SCALE" --start "$ORIGIN" --seed 1 >"$work/sim.out" &
sim_pid=$!
read -r ready <"$work/sim.out"
port=$(echo "$ready" | sed -n 's/.*tcp=\([0-9]*\).*/\1/p')
control=$(echo "$ready" | sed -n 's/.*control=\([0-9]*\).*/\1/p')
[ -n "$port" ] || { echo "demo: simulator did not start: $ready" >&2; exit 1; }
echo "demo: simulated compressor plant on 127.0.0.1:$port, plant clock x$SCALE from $ORIGIN"

# The example config of the plant, polled once a plant minute, plus the
# demo project.
sed -e "s/port *= *5020/port = $port/" -e "s|data_dir *= *\"[^\"]*\"|data_dir = \"$work\"|" \
    -e "s/interval_ms *= *1000/interval_ms = $POLL_MS/" config/examples/compressor.conf >"$work/mvgate.conf"
cat config/demo/compressor-project.conf >>"$work/mvgate.conf"

# A local MQTT broker when one is installed (tools/install-deps.sh installs
# mosquitto): the gateway publishes to it as it would to the dashboard, and
# the verifier's hub receives from it.
: >"$work/register.txt"
if [ -x /usr/sbin/mosquitto ]; then
    mqtt_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf 'listener %s 127.0.0.1\nallow_anonymous true\nlog_dest none\n' "$mqtt_port" >"$work/mosquitto.conf"
    /usr/sbin/mosquitto -c "$work/mosquitto.conf" &
    broker_pid=$!
    printf 'mqtt = { uri = "tcp://127.0.0.1:%s"; telemetry = "every"; telemetry_every = 20; };\n' \
        "$mqtt_port" >>"$work/mvgate.conf"
    echo "demo: MQTT broker (mosquitto) on 127.0.0.1:$mqtt_port; watch the dashboard feed with:"
    echo "        mosquitto_sub -p $mqtt_port -v -t 'mvgate/v1/#'"
    # The verifier's hub (docs/hub.md), started before the gateway so that
    # it sees every message; its register gets the gateway below.
    {
        echo 'id = "demo-hub";'
        echo "enrolled = \"$work/register.txt\";"
        echo 'verify_interval_ms = 200;'
        echo "mqtt = { uri = \"tcp://127.0.0.1:$mqtt_port\"; };"
        echo "db = { backend = \"sqlite\"; path = \"$work/hub.db\"; };"
    } >"$work/hub.conf"
    build/bin/mvgate-hub -c "$work/hub.conf" 2>"$work/hub.log" &
    hub_pid=$!
    wait_for grep -q "subscribed to" "$work/hub.log" ||
        { cat "$work/hub.log" >&2; echo "demo: the hub did not subscribe" >&2; exit 1; }
    echo "demo: the verifier's hub (mvgate-hub) is subscribed; its log: $work/hub.log"
else
    echo "demo: no MQTT broker installed (mosquitto): records go to the store only, no hub"
fi
build/bin/mvgate check -c "$work/mvgate.conf"
echo "demo: one read of every point (mvgate read):"
build/bin/mvgate read -c "$work/mvgate.conf" || true

echo "demo: mvgated running; baseline 2026-01-05 and 06 (about $((172800 / SCALE)) s), then the retrofit:"
build/bin/mvgated -c "$work/mvgate.conf" --log-level notice \
    --time-scale "$SCALE" --time-origin "$ORIGIN" 2>"$work/gw.log" &
gw_pid=$!

# Commissioning: the gateway's first key into the verifier's register (the
# line mvgate key show prints), and the hub told to re-read it.
wait_for test -s "$work/gateway.pub" || { cat "$work/gw.log" >&2; echo "demo: no gateway key" >&2; exit 1; }
regline=$(build/bin/mvgate key show -c "$work/mvgate.conf" | sed -n 's/^register line: //p')
if [ -n "$hub_pid" ]; then
    # the line is the gateway's id, then the fingerprint in groups
    # shellcheck disable=SC2086
    set -- $regline
    gateway=$1
    shift
    build/bin/mvgate hub enrol "$gateway" "$*" -c "$work/hub.conf" | sed 's/^/demo: hub: /'
    kill -HUP "$hub_pid"
else
    echo "$regline" >"$work/register.txt"
fi

echo "demo: every record is also in the store: build/bin/mvgate export -c $work/mvgate.conf --format jsonl"
echo "demo: and the gateway's state: build/bin/mvgate status -c $work/mvgate.conf"
[ -n "$hub_pid" ] && echo "demo: and what the hub verified: build/bin/mvgate hub status -c $work/hub.conf"

# Follow the daemon's log; when the installation period begins, switch the
# simulated plant to the retrofit (VSD compressor).
switched=0
dots=0
reported=0
tail -n +1 -f "$work/gw.log" --pid="$gw_pid" | while IFS= read -r line; do
    case "$line" in
        *" baseline electricity"*)
            # one dot per plant hour of baseline (12 intervals of 5 minutes)
            [ "$dots" = 0 ] && printf 'demo: baseline hours '
            dots=$((dots + 1))
            [ $((dots % 12)) = 0 ] && printf '.'
            ;;
        *" installation electricity"*)
            if [ "$switched" = 0 ]; then
                switched=1
                echo
                python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1',int(sys.argv[1]))); s.sendall(b'phase retrofit\n'); print('demo: plant switched to the VSD retrofit:', s.makefile().readline().strip())" "$control"
            fi
            ;;
        *" reporting electricity"*)
            reported=$((reported + 1))
            # one line per plant hour
            [ $((reported % 12)) = 1 ] && echo "$line"
            # enough shown: stop the daemon (SIGTERM: it finishes its
            # transaction and exits), which ends this loop
            [ "$reported" = "$REPORTING_INTERVALS" ] && kill "$gw_pid" 2>/dev/null
            ;;
        *)
            [ "$dots" -gt 0 ] && [ "$switched" = 0 ] && echo && dots=-1
            echo "$line"
            ;;
    esac
done
wait "$gw_pid" 2>/dev/null || true
gw_pid=""

echo "demo: the daemon stopped; the signed chain, checked as a verifier would, against the"
echo "demo: key enrolled at commissioning (the register line of mvgate key show):"
sed 's/^/        /' "$work/register.txt"
build/bin/mvgate export -c "$work/mvgate.conf" --format jsonl --what chain >"$work/chain.jsonl"
build/bin/mvgate verify --pubkey "$work/gateway.pub" --export "$work/chain.jsonl" \
    --enrolled "$work/register.txt"

# The verification report from the gateway's store, held to the register
# (docs/report.md), in both languages.
for lang in en zh-Hant; do
    suffix=$([ "$lang" = en ] || echo ".$lang")
    build/bin/mvgate report -c "$work/mvgate.conf" --project "$PROJECT" --enrolled "$work/register.txt" \
        --lang "$lang" --out "$out/gateway-report$suffix.html"
done

if [ -n "$hub_pid" ]; then
    # The hub's report, from the records it received and verified (docs/hub.md,
    # "The report"), once it has verified every record the gateway signed.
    build/bin/mvgate report -c "$work/mvgate.conf" --project "$PROJECT" --enrolled "$work/register.txt" \
        --format json --out "$work/gateway-report.json"
    records() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["chain"]["records"])' "$1"; }
    want=$(records "$work/gateway-report.json")
    hub_report_json() {
        build/bin/mvgate report --hub "$work/hub.conf" --project "$PROJECT" --format json \
            --out "$work/hub-report.json" 2>/dev/null && [ "$(records "$work/hub-report.json")" = "$want" ]
    }
    wait_for hub_report_json || echo "demo: the hub has not verified all $want records yet" >&2
    build/bin/mvgate hub status -c "$work/hub.conf" | sed 's/^/demo: hub: /'
    for lang in en zh-Hant; do
        suffix=$([ "$lang" = en ] || echo ".$lang")
        build/bin/mvgate report --hub "$work/hub.conf" --project "$PROJECT" --lang "$lang" \
            --out "$out/hub-report$suffix.html"
    done
    python3 -c '
import json, sys
def leaves(d, p=""):
    if isinstance(d, dict):
        return {k2: v2 for k, v in d.items() for k2, v2 in leaves(v, p + "/" + k).items()}
    if isinstance(d, list):
        return {k2: v2 for i, v in enumerate(d) for k2, v2 in leaves(v, "%s[%d]" % (p, i)).items()}
    return {p: d} if d is None or isinstance(d, (bool, int, float)) else {}
g, h = (leaves(json.load(open(f))) for f in sys.argv[1:])
same = sum(1 for k in g if k in h and g[k] == h[k])
print("demo: the hub report and the gateway report: %d of %d figures equal" % (same, len(g)))
' "$work/gateway-report.json" "$work/hub-report.json"
    # The programme report (docs/hub.md, "Programme report"): the hub's
    # verified records added up for the programme year the plant week is in.
    for lang in en zh-Hant; do
        suffix=$([ "$lang" = en ] || echo ".$lang")
        build/bin/mvgate programme -c "$work/hub.conf" --year 2025-26 --lang "$lang" \
            --out "$out/programme$suffix.html"
    done
    build/bin/mvgate programme -c "$work/hub.conf" --year 2025-26 --format csv |
        grep '^totals,measured' | sed 's/^/demo: programme: /'
fi

echo "demo: done. The reports (docs/report.md, docs/hub.md), to open in a browser:"
for f in "$out"/*.html; do
    echo "        $f"
done
