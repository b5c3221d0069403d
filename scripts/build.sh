#!/usr/bin/env bash
# Builds Kagami's executables in release mode and prints the directory that holds them.
# Progress goes to stderr; a failed build shows the compiler's errors and exits non-zero.
# The Swift runtime is linked statically: the binaries run on a server without the toolchain, and each handler
# stays within its memory budget (~20 MB idle instead of ~22 MB with the shared Swift libraries).
source "$(dirname "$0")/common.sh"
cd "$KAGAMI_ROOT"
step "Building Kagami (release; the first build takes a few minutes)"
for product in ChatHandler SiteGen KagamiSampler kagami-obs RUMBeacon DashboardAPI; do
    log="$(mktemp)"
    if ! swift build -c release --static-swift-stdlib --product "$product" >"$log" 2>&1; then
        grep -E 'error:|warning:' "$log" >&2 || tail -30 "$log" >&2
        rm -f "$log"
        die "building $product failed"
    fi
    note "$product: $(tail -1 "$log")"
    rm -f "$log"
done
swift build -c release --show-bin-path
