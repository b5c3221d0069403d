#!/usr/bin/env bash
# `make test`: every test Kagami has. Installs what the tests need (Debian packages, a Python venv with
# pytest + selenium, the cached llama-server + model), checks formatting, builds, then runs the Swift unit
# tests and the integration/browser suites (real nginx, real llama-server, real Chromium).
#   --integration-only   skip lint and unit tests
source "$(dirname "$0")/common.sh"
cd "$KAGAMI_ROOT"

integration_only=0
if [ "${1:-}" = "--integration-only" ]; then integration_only=1; shift; fi

"$KAGAMI_ROOT/scripts/install-deps.sh" --test
"$KAGAMI_ROOT/scripts/prepare-model.sh" >/dev/null
BIN="$("$KAGAMI_ROOT/scripts/build.sh")"
export KAGAMI_BIN="$BIN"

if [ $integration_only = 0 ]; then
    step "Checking formatting (swift format lint --strict)"
    swift format lint --strict --recursive Package.swift Sources Tests
    step "Unit tests (swift test)"
    log="$KAGAMI_CACHE/swift-test.log"
    if ! swift test >"$log" 2>&1; then
        grep -E '✘|error:|Fatal error' "$log" | head -50 >&2
        tail -5 "$log" >&2
        die "unit tests failed (full log: $log)"
    fi
    grep -E "Test run with|Executed [0-9]+ test" "$log" | tail -2
fi

step "Integration and browser tests (pytest)"
"$KAGAMI_CACHE/venv/bin/python" -m pytest Tests/Integration -q -p no:cacheprovider "$@"
