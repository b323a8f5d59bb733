#!/bin/sh
# Installs every Debian 12 package that mvgate's build, tests and demo need.
# Idempotent: packages already present are left alone, and apt is only asked
# to refresh its lists when something is missing. Run as root.
set -eu

PACKAGES="
build-essential cmake pkg-config clang libclang-rt-14-dev dpkg-dev
libmodbus-dev libconfig-dev libjansson-dev libyajl-dev liblapacke-dev libsqlite3-dev
libsodium-dev libcurl4-openssl-dev libevent-dev libpaho-mqtt-dev zlib1g-dev
libmicrohttpd-dev
libcmocka-dev libssl-dev openssl
python3 python3-pymodbus python3-serial python3-serial-asyncio python3-jsonschema python3-cryptography
socat mbpoll faketime
systemd procps
mosquitto mosquitto-clients influxdb
libpq-dev postgresql
chromium fonts-noto-cjk
"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing; run as root (or with sudo)" >&2
    exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
# Debian starts the packaged brokers and databases as services; the tests and
# the demo run their own on free loopback ports, so the system ones are not
# needed. Leave them as the administrator configured them.
