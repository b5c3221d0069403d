#!/usr/bin/env python3
"""Chat latency added by three enabled exporters (OTLP traces + metrics, Datadog) whose receiver is dead,
against no exporter at all: the fake backend's `echo` model, sequential requests, medians side by side.

Usage: KAGAMI_BIN=/tmp/export-build/release python3 bench/exporters_latency.py [--n 300] [--rounds 3]
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "Integration"))
from harness import FakeBackend, Stack, config_for, free_port  # noqa: E402


def run(stack, n):
    samples = []
    for i in range(n):
        started = time.perf_counter()
        status, _, _ = stack.chat({"message": f"q{i}"})
        samples.append((time.perf_counter() - started) * 1000)
        assert status == 200
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    backend = FakeBackend()
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    configs = {
        "no exporters": config_for(backend.url, exporters={"prometheus": {"enabled": False}}),
        "3 exporters, dead receiver": config_for(backend.url, exporters={
            "otlp": {"enabled": True, "endpoint": dead, "metrics": True, "metrics_interval_seconds": 1},
            "datadog": {"enabled": True, "url": dead}, "prometheus": {"enabled": True},
            "delivery": {"flush_interval_ms": 100}}),
    }
    print(f"exporters_latency: echo model, {args.n} sequential chats per side, {args.rounds} alternating rounds")
    results = {name: [] for name in configs}
    try:
        for _ in range(args.rounds):
            for name, config in configs.items():
                stack = Stack(config, env={"DD_API_KEY": "bench"})
                try:
                    run(stack, 20)  # warm-up
                    results[name] += run(stack, args.n)
                finally:
                    stack.stop()
    finally:
        backend.stop()
    for name, samples in results.items():
        q = statistics.quantiles(samples, n=100)
        print(f"  {name:28s} median {statistics.median(samples):6.2f} ms  p90 {q[89]:6.2f} ms  p99 {q[98]:6.2f} ms"
              f"  (N={len(samples)})")


if __name__ == "__main__":
    main()
