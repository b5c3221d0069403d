#!/usr/bin/env bash
# Observability-core figures (issue 4), in-process, release build:
#   trace-build   time a chat's spans + evaluations + masking + enqueue take on the request thread
#   store-ingest  spans/s the SQLite store sustains
#   summary       one-hour window summary over 1,000,000 stored requests
#   sampler       the host sampler's CPU share at the default interval
# Usage: bench/observability.sh [--quick]   (--quick: 100k requests for the summary instead of 1M)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
chats=1000000
[ "${1:-}" = "--quick" ] && chats=100000
echo "==> building KagamiBench (release)" >&2
swift build -c release --product KagamiBench >/dev/null
BENCH="$(swift build -c release --show-bin-path)/KagamiBench"
echo "git $(git rev-parse --short HEAD)$(git diff --quiet || echo '+uncommitted'), $(swift --version 2>&1 | head -1)"
"$BENCH" trace-build --n 20000 2>/dev/null
"$BENCH" store-ingest --chats 20000 2>/dev/null
"$BENCH" sampler --n 200 2>/dev/null
"$BENCH" summary --chats "$chats" 2>/dev/null
