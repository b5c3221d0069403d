#!/usr/bin/env bash
# Evaluations bench: per-evaluator precision/recall/F1 on the labeled set, and the time per chat of masking +
# all evaluations (2 KB prompt + 2 KB reply, median of 2000; 1 MB prompt, median of 50), release build.
#
# It runs the `evaluationsBenchmark` test (Tests/EvaluationsTests/EvaluationsBenchmark.swift), which is skipped
# unless KAGAMI_BENCH=1, from a release test build. If the whole package does not build (another module
# mid-edit), it falls back to a throwaway package in a temp dir that holds only Privacy and Evaluations (symlinked
# sources, same targets) — the code measured is the same.
#   usage: bench/evaluations_bench.sh [--isolated]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="${KAGAMI_BENCH_SCRATCH:-/tmp/kagami-eval-bench}"

run_isolated() {
    local pkg="$scratch/isolated"
    mkdir -p "$pkg/Sources" "$pkg/Tests"
    ln -sfn "$root/Sources/Privacy" "$pkg/Sources/Privacy"
    ln -sfn "$root/Sources/Evaluations" "$pkg/Sources/Evaluations"
    ln -sfn "$root/Tests/PrivacyTests" "$pkg/Tests/PrivacyTests"
    ln -sfn "$root/Tests/EvaluationsTests" "$pkg/Tests/EvaluationsTests"
    cat >"$pkg/Package.swift" <<'SWIFT'
// swift-tools-version:6.0
import PackageDescription
let strict: [SwiftSetting] = [.unsafeFlags(["-warnings-as-errors"])]
let package = Package(
    name: "KagamiEvaluationsBench",
    targets: [
        .target(name: "Privacy", swiftSettings: strict),
        .target(name: "Evaluations", dependencies: ["Privacy"], swiftSettings: strict),
        .testTarget(name: "PrivacyTests", dependencies: ["Privacy"], swiftSettings: strict),
        .testTarget(
            name: "EvaluationsTests", dependencies: ["Evaluations", "Privacy"], resources: [.copy("LabeledSet")],
            swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
SWIFT
    echo "(package: isolated Privacy + Evaluations at $pkg)"
    (cd "$pkg" && KAGAMI_BENCH=1 swift test -c release --scratch-path "$scratch/isolated-build" \
        --filter evaluationsBenchmark 2>&1) | filter_output
}

filter_output() {
    # Keep the bench's own lines and the verdict; drop compiler progress.
    grep -vE '^\[[0-9]+/[0-9]+\]|^Building|^Build complete|^Compiling|^Write |^◇|^↳|Test Suite|Executed 0 tests' || true
}

echo "== bench/evaluations_bench.sh: $(nproc) cores, $(uname -m), swift $(swift --version 2>/dev/null | head -1 | sed 's/.*version \([0-9.]*\).*/\1/') =="
if [ "${1:-}" = "--isolated" ]; then
    run_isolated
    exit 0
fi
cd "$root"
if swift build -c release --build-tests --scratch-path "$scratch/full" >"$scratch.log" 2>&1; then
    echo "(package: $root)"
    KAGAMI_BENCH=1 swift test -c release --skip-build --scratch-path "$scratch/full" \
        --filter evaluationsBenchmark 2>&1 | filter_output
else
    echo "(the full package did not build — see $scratch.log — measuring the isolated modules instead)"
    run_isolated
fi
