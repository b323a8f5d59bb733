#!/bin/sh
# The README's demo command: installs what it needs, builds mvgate, and runs
# the whole pipeline on a simulated air-compressor plant with accelerated
# clocks (x1200): a one-day baseline of the fixed-speed compressor (about
# 72 s), the baseline model fitted with its ASHRAE 14 statistics, then the
# simulator switches to the VSD retrofit and every 5-minute interval shows
# the verified savings (kWh, TJ, t CO2, HK$, with the uncertainty). After
# a plant day of the retrofit (about 72 s more; DEMO_REPORTING_HOURS sets
# it) the demo stops the daemon, checks the signed chain as a verifier would
# and ends by itself. Ctrl-C stops everything it started earlier.
set -eu
cd "$(dirname "$0")/.."

sh tools/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
echo "demo: building mvgate (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs" --target mvgated mvgate mvgate-sim >"${TMPDIR:-/tmp}/mvgate-demo-build.log" 2>&1 ||
    { cat "${TMPDIR:-/tmp}/mvgate-demo-build.log"; exit 1; }

SCALE=1200
ORIGIN=2026-01-05T00:00:00Z
# reporting intervals (5 min each) to show before the demo ends by itself
REPORTING_INTERVALS=$(( ${DEMO_REPORTING_HOURS:-24} * 12 ))
work=$(mktemp -d /tmp/mvgate-demo.XXXXXX)
sim_pid=""
gw_pid=""
broker_pid=""
cleanup() {
    trap - INT TERM EXIT
    [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null
    [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
    rm -rf "$work"
    echo "demo: stopped"
}
trap cleanup INT TERM EXIT

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

# The example config of the plant, polled every 50 ms (one plant minute),
# plus the demo project.
sed -e "s/port *= *5020/port = $port/" -e "s|data_dir *= *\"[^\"]*\"|data_dir = \"$work\"|" \
    -e "s/interval_ms *= *1000/interval_ms = 50/" config/examples/compressor.conf >"$work/mvgate.conf"
cat config/demo/compressor-project.conf >>"$work/mvgate.conf"

# A local MQTT broker when one is installed (tools/install-deps.sh installs
# mosquitto): the gateway publishes to it as it would to the dashboard.
if [ -x /usr/sbin/mosquitto ]; then
    mqtt_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf 'listener %s 127.0.0.1\nallow_anonymous true\nlog_dest none\n' "$mqtt_port" >"$work/mosquitto.conf"
    /usr/sbin/mosquitto -c "$work/mosquitto.conf" &
    broker_pid=$!
    printf 'mqtt = { uri = "tcp://127.0.0.1:%s"; telemetry = "every"; telemetry_every = 20; };\n' \
        "$mqtt_port" >>"$work/mvgate.conf"
    echo "demo: MQTT broker (mosquitto) on 127.0.0.1:$mqtt_port; watch the dashboard feed with:"
    echo "        mosquitto_sub -p $mqtt_port -v -t 'mvgate/v1/#'"
else
    echo "demo: no MQTT broker installed (mosquitto): records go to the store only"
fi
build/bin/mvgate check -c "$work/mvgate.conf"
echo "demo: one read of every point (mvgate read):"
build/bin/mvgate read -c "$work/mvgate.conf" || true

echo "demo: mvgated running; baseline day 2026-01-05 (about 72 s), then the retrofit:"
build/bin/mvgated -c "$work/mvgate.conf" --log-level notice \
    --time-scale "$SCALE" --time-origin "$ORIGIN" 2>"$work/gw.log" &
gw_pid=$!

echo "demo: every record is also in the store: build/bin/mvgate export -c $work/mvgate.conf --format jsonl"
echo "demo: and the gateway's state: build/bin/mvgate status -c $work/mvgate.conf"
echo "demo: check the signed chain as a verifier would (any time, in another shell):"
echo "        build/bin/mvgate export -c $work/mvgate.conf --format jsonl --what chain > $work/chain.jsonl"
echo "        build/bin/mvgate verify --pubkey $work/gateway.pub --export $work/chain.jsonl"

# Follow the daemon's log; when the installation period begins, switch the
# simulated plant to the retrofit (VSD compressor).
switched=0
dots=0
reported=0
tail -n +1 -f "$work/gw.log" --pid="$gw_pid" | while IFS= read -r line; do
    case "$line" in
        *" baseline electricity"*)
            # one dot per 5-minute baseline interval: a day is 288 of them
            [ "$dots" = 0 ] && printf 'demo: baseline intervals '
            dots=$((dots + 1))
            printf '.' ;;
        *" installation electricity"*)
            if [ "$switched" = 0 ]; then
                switched=1
                echo
                python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1',int(sys.argv[1]))); s.sendall(b'phase retrofit\n'); print('demo: plant switched to the VSD retrofit:', s.makefile().readline().strip())" "$control"
            fi ;;
        *" reporting electricity"*)
            echo "$line"
            reported=$((reported + 1))
            # enough shown: stop the daemon (SIGTERM: it finishes its
            # transaction and exits), which ends this loop
            [ "$reported" = "$REPORTING_INTERVALS" ] && kill "$gw_pid" 2>/dev/null ;;
        *)
            [ "$dots" -gt 0 ] && [ "$switched" = 0 ] && echo && dots=-1
            echo "$line" ;;
    esac
done
wait "$gw_pid" 2>/dev/null || true
gw_pid=""

echo "demo: the daemon stopped; the signed chain, checked as a verifier would, against the"
echo "demo: key enrolled at commissioning (the register line of mvgate key show):"
build/bin/mvgate key show -c "$work/mvgate.conf" | sed -n 's/^register line: //p' >"$work/register.txt"
sed 's/^/        /' "$work/register.txt"
build/bin/mvgate export -c "$work/mvgate.conf" --format jsonl --what chain >"$work/chain.jsonl"
build/bin/mvgate verify --pubkey "$work/gateway.pub" --export "$work/chain.jsonl" \
    --enrolled "$work/register.txt"
echo "demo: done (docs/report.md: mvgate report turns such a store into the verification report)"
