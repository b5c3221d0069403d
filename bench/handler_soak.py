#!/usr/bin/env python3
"""Handler memory over a long run: ChatHandler's RSS after 10k requests vs after N (default 1,000,000).

Kagami (nginx + ChatHandler with its store, trace pipeline and evaluations all on) in front of the instant
backend of chat_overhead.py, driven by wrk at 32 connections in 10-second chunks until N requests have been
answered. Prints RSS at 10k and at the end, and the difference (target: within 5 MB).

  python3 bench/handler_soak.py [--requests N] [--connections C]
"""
import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # noqa: E402
import chat_overhead  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1_000_000, help="requests in total (1,000,000)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    args = parser.parse_args()
    benchlib.require_tools("nginx", "wrk")
    benchlib.install_cleanup()
    backend = chat_overhead.InstantBackend(workers=1)
    benchlib.on_exit(backend.stop)
    config = {
        "backends": {"default": {"type": "ollama", "url": backend.url, "max_concurrency": 64, "max_queue": 1024}},
        "routes": [{"path": "/chat", "model": "instant:latest", "max_tokens": 64}],
        "nginx": {"chat_rate_per_minute": 0},
    }
    stack = benchlib.start_stack(config)
    benchlib.on_exit(stack.stop)
    pid = stack.procs["chat"].pid
    tmp = Path(tempfile.mkdtemp(prefix="kagami-soak-"))
    url = f"http://127.0.0.1:{stack.port}/chat"
    body = '{"message":"How far is Osaka from Tokyo?"}'
    benchlib.print_conditions("handler soak", benchlib.conditions())
    print(f"idle RSS: {benchlib.mb(benchlib.rss_kb(pid))}")
    done, rss_10k, errors = 0, None, 0
    while done < args.requests:
        seconds = 2 if rss_10k is None else 10
        result = chat_overhead.run_wrk(url, body, args.connections, 2, seconds, tmp)
        done += result.requests
        errors += result.non2xx + result.socket_errors
        if rss_10k is None and done >= 10_000:
            rss_10k = benchlib.rss_kb(pid)
            print(f"after {done:>9,} requests: RSS {benchlib.mb(rss_10k)}")
        elif rss_10k is not None:
            print(f"after {done:>9,} requests: RSS {benchlib.mb(benchlib.rss_kb(pid))}  ({result.rps:,.0f} req/s)")
    final = benchlib.rss_kb(pid)
    growth_mb = (final - rss_10k) / 1024 if final and rss_10k else float("nan")
    print(f"RSS after {done:,} requests: {benchlib.mb(final)}; after 10k: {benchlib.mb(rss_10k)}; "
          f"growth {growth_mb:+.1f} MB (target within 5 MB); non-2xx/socket errors: {errors}")
    return 0 if abs(growth_mb) <= 5 and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
