#!/usr/bin/env bash
# Size of the RUM script as the page carries it (templates/rum.js, inlined by SiteGen): raw, gzip -9 (what nginx
# sends with gzip on, roughly) and brotli when available. Target: <= 5 KB gzip (5000 bytes). Prints its conditions.
#   bench/rum_script_size.sh [FILE]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
file="${1:-$ROOT/templates/rum.js}"
raw=$(wc -c <"$file")
gz=$(gzip -9c "$file" | wc -c)
gz6=$(gzip -6c "$file" | wc -c)
echo "== RUM script size (bench/rum_script_size.sh)"
echo "   file       $file"
echo "   git        $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" status --porcelain -- "$file" 2>/dev/null | grep -q . && echo ' + uncommitted changes')"
echo "   tools      $(gzip --version | head -1)$(command -v brotli >/dev/null && echo ", $(brotli --version)")"
echo "   what       unminified, comments included (it is inlined as written; its CSP hash covers these bytes)"
echo
echo "   raw        $raw bytes"
echo "   gzip -6    $gz6 bytes (nginx's gzip_comp_level is 1 by default: a little larger)"
echo "   gzip -9    $gz bytes   (target <= 5000)"
if command -v brotli >/dev/null; then echo "   brotli     $(brotli -c "$file" | wc -c) bytes"; fi
echo "   peers      web-vitals ~2 KB (vitals only); Datadog RUM ~36-50 KB; Boomerang ~25-49 KB (gzip)"
[ "$gz" -le 5000 ]
