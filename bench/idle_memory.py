#!/usr/bin/env python3
"""Memory of all Kagami processes together when idle: ChatHandler, RUMBeacon, DashboardAPI, KagamiSampler and
Kagami's nginx (master + workers), as `make run` starts them (the model server is not counted).

Prints VmRSS and PSS per process group and the totals. RSS counts shared libraries once per process, so
its sum overstates what the group costs the machine; PSS splits shared pages between the processes that map
them, so the PSS total is what they take together (DESIGN.md's budget: <= 60 MB).

  KAGAMI_BIN=.build/release python3 bench/idle_memory.py [--settle 8]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import time

import benchlib


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settle", type=float, default=8, help="seconds to wait after start before reading (8)")
    args = parser.parse_args()
    if not 1 <= args.settle <= 120:
        benchlib.die("--settle must be between 1 and 120 seconds")

    benchlib.install_cleanup()
    benchlib.require_tools("nginx")
    binaries = benchlib.kagami_bin()
    rows = benchlib.conditions() + [
        ("stack", "harness.Stack (nginx/dev.conf.in: 2 workers), ChatHandler (handler.threads 64), RUMBeacon, "
                  "DashboardAPI, KagamiSampler (interval 5 s); backend unreachable, no request made"),
        ("read", f"{args.settle:g} s after start; VmRSS and PSS from /proc/PID/status and smaps_rollup"),
    ]
    benchlib.print_conditions("Idle memory of all Kagami processes (bench/idle_memory.py)", rows)

    config = {"backends": {"default": {"type": "ollama", "url": "http://127.0.0.1:9"}},
              "routes": [{"path": "/chat", "model": "echo"}]}
    stack = benchlib.start_stack(config)
    benchlib.on_exit(stack.stop)
    env = dict(os.environ, KAGAMI_DB=str(stack.db_path))
    sampler = subprocess.Popen([str(binaries / "KagamiSampler"), "--interval", "5"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    benchlib.on_exit(lambda: (sampler.terminate(), sampler.wait(5)))
    time.sleep(args.settle)

    groups = {"ChatHandler": stack.procs["chat"].pid, "RUMBeacon": stack.procs["rum"].pid,
              "DashboardAPI": stack.procs["dashboard"].pid, "KagamiSampler": sampler.pid,
              "nginx": stack.procs["nginx"].pid}
    total_rss = total_pss = 0
    print()
    for name, pid in groups.items():
        pids = [pid] + (benchlib.children_of(pid) if name == "nginx" else [])
        rss = sum(benchlib.rss_kb(p) or 0 for p in pids)
        pss = sum(benchlib.pss_kb(p) or 0 for p in pids)
        total_rss += rss
        total_pss += pss
        print(f"   {name:14s} RSS {benchlib.mb(rss):>9}   PSS {benchlib.mb(pss):>9}   ({len(pids)} process"
              f"{'es' if len(pids) > 1 else ''})")
    ok = total_pss <= 60 * 1024
    print(f"\n   all together   RSS {benchlib.mb(total_rss):>9} (shared libraries counted once per process)")
    print(f"                  PSS {benchlib.mb(total_pss):>9} (target <= 60 MB: {'meets target' if ok else 'MISSES target'})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
