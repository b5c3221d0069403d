#!/usr/bin/env bash
# Where RUMBeacon's intake goes: bench/beacon_intake.py run four times against a RUMBeacon built with
# bench/beacon_stages.patch, which answers 204 right after one stage of the request when KAGAMI_BENCH_STAGE says so:
#   1 = the body is read (the Swift FastCGI runtime alone)   2 = + the beacon is validated
#   3 = + geo and device are added                           0 = everything: + handed to the store and written
# Each run is side by side with the C floor, so the ratios compare like with like. Stages 1–3 store nothing
# (their "every accepted event stored" line says NO, as it should). The patched RUMBeacon is built from HEAD
# (git archive; uncommitted changes are not included) in the cache, incrementally on later runs.
#   bench/beacon_stages.sh [--rounds 2] [--seconds 5]      (~6 min; the first run adds a build of a few minutes)
#   KAGAMI_BIN=/path/to/release bench/beacon_stages.sh     # the other binaries (ChatHandler, SiteGen, …)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="/opt/swift/usr/bin:$PATH"
PYTHON="${KAGAMI_PYTHON:-python3}"
case "${1:-}" in -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
ARGS=("$@")
[[ " $* " == *" --rounds "* ]] || ARGS+=(--rounds 2)

WORK="${KAGAMI_CACHE:-$HOME/.cache/kagami}/bench-stages"
BIN="${KAGAMI_BIN:-$(cd "$ROOT" && swift build -c release --show-bin-path)}"
[[ -x "$BIN/RUMBeacon" && -x "$BIN/ChatHandler" ]] || { echo "no release binaries in $BIN: run scripts/build.sh" >&2; exit 1; }

echo "== Building RUMBeacon with bench/beacon_stages.patch (HEAD $(git -C "$ROOT" rev-parse --short HEAD))" >&2
rm -rf "$WORK/src" "$WORK/bin" && mkdir -p "$WORK/src" "$WORK/bin"
git -C "$ROOT" archive HEAD | tar -x -C "$WORK/src"
patch -s -d "$WORK/src" -p1 < "$ROOT/bench/beacon_stages.patch"
swift build -c release --static-swift-stdlib --product RUMBeacon --package-path "$WORK/src" \
    --scratch-path "$WORK/build" 2>&1 | grep -E 'error|Build of' >&2
cp -p "$BIN"/* "$WORK/bin/" 2>/dev/null || true
cp -p "$WORK/build/release/RUMBeacon" "$WORK/bin/RUMBeacon"

summary=()
for stage in 1 2 3 0; do
    case $stage in
        1) what="body read, 204" ;; 2) what="+ validated" ;; 3) what="+ geo and device" ;; 0) what="+ stored (the product)" ;;
    esac
    echo "== Stage $stage: $what" >&2
    log="$WORK/stage-$stage.txt"
    KAGAMI_BENCH_STAGE=$stage KAGAMI_BIN="$WORK/bin" "$PYTHON" "$ROOT/bench/beacon_intake.py" "${ARGS[@]}" >"$log" 2>&1 || true
    grep -E '^(   RUMBeacon  |   fcgi_floor)' "$log" >&2 || { tail -20 "$log" >&2; exit 1; }
    rum=$(awk '/^   RUMBeacon  /{print $2}' "$log"); floor=$(awk '/^   fcgi_floor/{print $3}' "$log")
    summary+=("$(printf '   %-26s RUMBeacon %6s/s   C floor %6s/s   ratio %s' "$stage: $what" "$rum" "$floor" \
        "$(awk -v a="$rum" -v b="$floor" 'BEGIN{printf "%.2fx", a/b}')")")
done
echo
echo "== Beacon intake by stage (64 connections; each line one run, side by side with the C floor; target 0.8x)"
sed -n '/^== Beacon intake (/,/^$/p' "$WORK/stage-0.txt" | grep -v '\[notice\]'
printf '%s\n' "${summary[@]}"
echo "   (logs: $WORK/stage-*.txt)"
