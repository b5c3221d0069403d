#!/usr/bin/env bash
# Kagami's benchmarks, in sequence (`make bench`):
#   1. bench/chat_overhead.py            instant backend: latency added, throughput at 32 connections, RSS (~50 s)
#   2. bench/chat_streaming_real_model.py  real model (llama-server + Gemma 3 270M): TTFT and tokens/s (~25 s)
# Total about 1.5 minutes. Builds the release binaries first unless KAGAMI_BIN points at them.
#
#   bench/run-all.sh [--help]
#   KAGAMI_BIN=/tmp/bench-build/release bench/run-all.sh      # use already-built binaries
#   BENCH_SKIP_MODEL=1 bench/run-all.sh                        # only the instant-backend benchmark
#   BENCH_WAIT_QUIET=300 bench/run-all.sh                      # on a shared machine: wait (up to 300 s) for it to be idle first
#
# Output goes to the terminal; the exit status is non-zero if a benchmark failed or saw errors.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="/opt/swift/usr/bin:$PATH"

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi

PYTHON="${KAGAMI_PYTHON:-}"
if [ -z "$PYTHON" ]; then
    for candidate in "${KAGAMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kagami}/venv/bin/python" python3; do
        if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
    done
fi
[ -n "$PYTHON" ] || { echo "error: python3 not found (apt-get install python3)" >&2; exit 2; }
for tool in nginx wrk; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool not found (apt-get install $tool)" >&2; exit 2; }
done

if [ -z "${KAGAMI_BIN:-}" ]; then
    # scripts/build.sh prints the bin directory on its last line (progress goes to stderr).
    KAGAMI_BIN="$(bash "$ROOT/scripts/build.sh" | tail -1)"
fi
export KAGAMI_BIN
for exe in ChatHandler SiteGen; do
    [ -x "$KAGAMI_BIN/$exe" ] || { echo "error: $KAGAMI_BIN/$exe missing (build failed?)" >&2; exit 2; }
done

status=0
limit=$((240 + ${BENCH_WAIT_QUIET:-0}))  # hard bound per benchmark, seconds
echo "### bench/chat_overhead.py ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
timeout "$limit" "$PYTHON" "$ROOT/bench/chat_overhead.py" || status=$?
echo
if [ -n "${BENCH_SKIP_MODEL:-}" ]; then
    echo "### bench/chat_streaming_real_model.py skipped (BENCH_SKIP_MODEL set)"
else
    echo "### bench/chat_streaming_real_model.py ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
    timeout "$limit" "$PYTHON" "$ROOT/bench/chat_streaming_real_model.py" || status=$?
fi
exit "$status"
