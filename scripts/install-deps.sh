#!/usr/bin/env bash
# Installs the Debian packages Kagami builds and runs with, and the Python
# test tooling (in a venv under $KAGAMI_CACHE). Idempotent: does nothing when
# everything is present. Usage: scripts/install-deps.sh [--test]
source "$(dirname "$0")/common.sh"

RUN_PKGS=(nginx libfcgi-dev libfcgi-bin libcurl4-openssl-dev libsqlite3-dev sqlite3 libmaxminddb-dev
          cmake make gcc g++ pkg-config curl ca-certificates python3 python3-venv procps openssl)
TEST_PKGS=(wrk chromium chromium-driver fonts-ipafont-gothic prometheus openssl libmaxmind-db-writer-perl)
want=("${RUN_PKGS[@]}")
[ "${1:-}" = "--test" ] && want+=("${TEST_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    step "Installing Debian packages: ${missing[*]}"
    [ "$(id -u)" = 0 ] || die "need root to apt-get install ${missing[*]} (or install them yourself)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts nginx on install; Kagami runs its own instance.
    if command -v systemctl >/dev/null && systemctl is-active --quiet nginx 2>/dev/null; then
        systemctl stop nginx || true; systemctl disable nginx >/dev/null 2>&1 || true
    fi
    # The same for Prometheus: the exporter tests run their own server on a free port.
    if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
        systemctl stop prometheus || true; systemctl disable prometheus >/dev/null 2>&1 || true
    fi
fi

VENV="$KAGAMI_CACHE/venv"
if [ "${1:-}" = "--test" ]; then
    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import pytest, selenium' 2>/dev/null; then
        step "Creating the test venv at $VENV (pytest, selenium)"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q --disable-pip-version-check pytest selenium
    fi
    # The official OTLP classes: the exporter tests decode our payloads with them.
    if ! "$VENV/bin/python" -c 'import opentelemetry.proto.trace.v1.trace_pb2' 2>/dev/null; then
        step "Installing opentelemetry-proto into $VENV"
        "$VENV/bin/pip" install -q --disable-pip-version-check opentelemetry-proto
    fi
    # Arize Phoenix as a real OTLP receiver (about 1 minute and 850 MB, so it has its own cached venv).
    PHOENIX_VENV="$KAGAMI_CACHE/phoenix-venv"
    if [ ! -x "$PHOENIX_VENV/bin/phoenix" ]; then
        step "Installing Arize Phoenix into $PHOENIX_VENV (once; about a minute)"
        python3 -m venv "$PHOENIX_VENV"
        "$PHOENIX_VENV/bin/pip" install -q --disable-pip-version-check arize-phoenix
    fi
fi
exit 0
