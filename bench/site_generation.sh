#!/usr/bin/env bash
# Figures for SiteGen: full site generation time (median of N fresh runs, --offline, default config) and the
# chat page's weight (HTML + CSS + JS, gzip -9, RUM script excluded). Targets: <= 50 ms, <= 15 KB.
# Usage: bench/site_generation.sh [N]   (KAGAMI_BIN: directory with a release SiteGen; default: build one)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${1:-21}"
if [ -z "${KAGAMI_BIN:-}" ]; then
    swift build -c release --product SiteGen --package-path "$ROOT" >/dev/null
    KAGAMI_BIN="$(swift build -c release --show-bin-path --package-path "$ROOT")"
fi
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
times=()
for i in $(seq "$RUNS"); do
    start=$(date +%s%N)
    "$KAGAMI_BIN/SiteGen" --offline --config "$ROOT/config/kagami.json" --templates "$ROOT/templates" \
        --out "$WORK/out-$i" >/dev/null
    times+=($(( ($(date +%s%N) - start) / 1000 )))
done
median_us=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
site="$WORK/out-1"
page="$site/current/public/index.html"
weigh() { gzip -9 -c "$1" | wc -c; }
html=$(weigh "$page"); css=0; js=0
for f in "$site"/assets/*.css; do css=$((css + $(weigh "$f"))); done
for f in "$site"/assets/*.js; do js=$((js + $(weigh "$f"))); done
total=$((html + css + js))
echo "conditions: $(nproc) cores, $(uname -m), release SiteGen, default config, --offline, fresh output dir per run,"
echo "            wall time of the whole process (start, config, templates, render, hash, publish), $RUNS runs"
printf 'site generation: median %d.%01d ms (min %d.%01d ms, max %d.%01d ms)   target <= 50 ms\n' \
    $((median_us / 1000)) $((median_us % 1000 / 100)) \
    $(( $(printf '%s\n' "${times[@]}" | sort -n | head -1) / 1000 )) $(( $(printf '%s\n' "${times[@]}" | sort -n | head -1) % 1000 / 100 )) \
    $(( $(printf '%s\n' "${times[@]}" | sort -n | tail -1) / 1000 )) $(( $(printf '%s\n' "${times[@]}" | sort -n | tail -1) % 1000 / 100 ))
echo "page weight (gzip -9): html $html B + css $css B + js $js B = $total B ($(( (total * 10 + 512) / 1024 / 10 )).$(( (total * 10 + 512) / 1024 % 10 )) KB)   target <= 15 KB, RUM script excluded"
echo "uncompressed: html $(wc -c <"$page") B, css $(cat "$site"/assets/*.css | wc -c) B, js $(cat "$site"/assets/*.js | wc -c) B"
