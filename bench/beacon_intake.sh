#!/usr/bin/env bash
# Beacon intake through nginx at 64 concurrent clients: RUMBeacon vs a trivial C FastCGI responder
# (bench/fcgi_floor.c) behind the same nginx config vs nginx `return 204`, side by side in one run; checks that
# every accepted event was stored and prints RUMBeacon's idle RSS. Prints its conditions first.
#   bench/beacon_intake.sh [--rounds 3] [--seconds 5] [--connections 64]
#   KAGAMI_BIN=/path/to/release bench/beacon_intake.sh   # binaries already built (RUMBeacon, ChatHandler, SiteGen)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="/opt/swift/usr/bin:$PATH"
PYTHON="${KAGAMI_PYTHON:-python3}"
exec "$PYTHON" "$ROOT/bench/beacon_intake.py" "$@"
