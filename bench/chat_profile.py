#!/usr/bin/env python3
"""Where ChatHandler's time goes on the chat path (instant backend; optional companion of chat_overhead.py).

Same stack as chat_overhead.py (instant nginx backend, Kagami nginx + ChatHandler, max_concurrency 64,
handler.threads 64, rate limit off). Steps, each bounded:

  1. CPU per request of every process (wrk, Kagami nginx, ChatHandler, backend nginx) at 1 and at N
     connections, from /proc/*/schedstat, with req/s and p50.
  2. System calls per request in ChatHandler: `strace -c -f` while 1000 requests go through one kept-alive
     connection (strace slows the process; only the counts are used).
  3. `perf record --call-graph dwarf` on ChatHandler under N connections; prints the inclusive share of
     Kagami's main stages and the hottest functions (demangled).
  4. The floor: ChatHandler is replaced on its socket by bench/fcgi_floor.c (a trivial C libfcgi responder
     with a fixed reply, no backend call), behind the same nginx; step 1 is repeated. The difference to
     Kagami is what ChatHandler's own work costs.

Needs: nginx, wrk; perf (linux-perf) and strace for steps 2-3 (skipped with a note when missing); cc and
libfcgi-dev for step 4.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib
from benchlib import harness
import chat_overhead as co

HERE = Path(__file__).resolve().parent

# Stages of the request path: a regex on the demangled frame, and a label.
STAGES = [
    (r"FastCGIServer\.serve", "whole request in a worker thread (FastCGIServer.serve)"),
    (r"^FCGX_Accept_r", "  FCGX_Accept_r: wait for + read the FastCGI request (libfcgi, read(2))"),
    (r"ChatResponder\.serve", "  ChatResponder.serve (parse, admission, backend call, reply)"),
    (r"ChatRequestParser\.parse", "    parse the client's JSON (ChatRequestParser, JSONDecoder)"),
    (r"OllamaWire\.encode|OpenAIWire\.encode", "    encode the backend request (JSONEncoder)"),
    (r"^curl_easy_perform", "    libcurl transfer to the backend (curl_easy_perform)"),
    (r"OllamaWire\.parseStreamLine|OpenAIWire\.parseStreamLine", "    decode the backend's answer (JSONDecoder)"),
    (r"SSEStream\.finish", "    build + write the JSON reply (SSEStream.finish, JSONText)"),
    (r"ChatObservers\.chatFinished|ChatLogObserver\.chatFinished", "  observers after the reply (log line, metrics, spans, store)"),
    (r"ChatLogObserver\.chatFinished", "    per-request log line (ChatLogObserver -> Log.emit, write(2))"),
    (r"ChatMetricsRecorder\.record", "    metrics (ChatMetricsRecorder -> MetricsRegistry, one Mutex)"),
    (r"TelemetryStore\.enqueue", "    telemetry store enqueue (SQLite writer thread does the rest)"),
    (r"TraceContext\.random|randomHex", "  trace id (randomHex: one getrandom(2) per byte)"),
    (r"^FCGX_Finish_r", "  FCGX_Finish_r: flush the reply to nginx"),
    (r"JSONText\.(object|quote)", "  (all JSONText.object/quote: hand-built JSON for reply and log)"),
    (r"JSONDecoder\.decode", "  (all JSONDecoder.decode)"),
    (r"^poll$|__poll|__GI___poll", "  (all poll(2), mostly libcurl's wait loop)"),
    (r"_MutexHandle\._lockSlow", "  (Swift Mutex slow path: spinning/waiting on a contended Mutex; callers below)"),
]


def demangle(lines: list[str]) -> list[str]:
    swift = benchlib.SWIFT if Path(benchlib.SWIFT).exists() else shutil.which("swift")
    if not swift:
        return lines
    out = subprocess.run([swift, "demangle", "--simplified"], input="\n".join(lines), capture_output=True,
                         text=True, timeout=60)
    return out.stdout.splitlines() if out.returncode == 0 else lines


def load_steps(url: str, body: str, seconds: float, connections: int, tmp: Path, meter: benchlib.CpuMeter):
    c1 = co.run_wrk(url, body, 1, 1, seconds, tmp, meter)
    cn = co.run_wrk(url, body, connections, 2, seconds, tmp, meter)
    return c1, cn


def print_load(label: str, c1: co.WrkResult, cn: co.WrkResult, connections: int):
    for name, r in (("c1 ", c1), (f"c{connections}", cn)):
        print(f"   {label:22} {name:4} {r.rps:>8.0f} req/s  p50 {co.ms(benchlib.hist_percentile(r.hist, 50))}  "
              f"p99 {co.ms(benchlib.hist_percentile(r.hist, 99))}  non-2xx {r.non2xx}  CPU us/request: "
              f"{co.cpu_line([r])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5, help="duration of each wrk run (5)")
    parser.add_argument("--connections", type=int, default=32, help="connections for the loaded runs (32)")
    parser.add_argument("--perf-seconds", type=float, default=3, help="perf record duration (3)")
    parser.add_argument("--top", type=int, default=25, help="hottest functions to list (25)")
    args = parser.parse_args()
    if not 0.5 <= args.seconds <= 30 or not 0.5 <= args.perf_seconds <= 10:
        benchlib.die("--seconds must be 0.5..30 and --perf-seconds 0.5..10")

    benchlib.require_tools("nginx", "wrk")
    benchlib.kagami_bin()
    benchlib.install_cleanup()
    tmp = Path(tempfile.mkdtemp(prefix="kagami-profile-"))
    benchlib.on_exit(lambda: shutil.rmtree(tmp, ignore_errors=True))

    rows = benchlib.conditions({"wrk": ["wrk", "-v"], "perf": ["perf", "--version"], "strace": ["strace", "-V"]})
    backend = co.InstantBackend(os.cpu_count() or 2)
    benchlib.on_exit(backend.stop)
    config = harness.config_for(
        backend.url, "ollama", routes=[{"path": "/chat", "model": co.MODEL, "max_tokens": 64}],
        backends={"default": {"type": "ollama", "url": backend.url, "max_concurrency": 64, "max_queue": 1024}},
        handler={"threads": 64})
    stack = benchlib.start_stack(config)
    benchlib.on_exit(stack.stop)
    chat_pid = stack.procs["chat"].pid
    nginx_pids = [stack.procs["nginx"].pid] + benchlib.children_of(stack.procs["nginx"].pid)
    backend_pids = [backend.proc.pid] + benchlib.children_of(backend.proc.pid)
    rows.append(("setup", f"as chat_overhead.py; ChatHandler pid {chat_pid}, handler.threads 64, "
                          f"wrk runs of {args.seconds:g} s at c1 and c{args.connections}"))
    benchlib.print_conditions("Profile of ChatHandler on the chat path (instant backend)", rows)
    url = f"http://127.0.0.1:{stack.port}/chat"
    meter = benchlib.CpuMeter({"Kagami nginx": nginx_pids, "ChatHandler": [chat_pid], "backend nginx": backend_pids})

    # 1. CPU per request -------------------------------------------------------------------------------
    co.run_wrk(url, co.KAGAMI_BODY, 4, 2, 1, tmp)  # warm-up
    print("\n== 1. Kagami: throughput and CPU per request (us, /proc/*/schedstat)")
    kagami = load_steps(url, co.KAGAMI_BODY, args.seconds, args.connections, tmp, meter)
    print_load("Kagami POST /chat", *kagami, args.connections)

    # 2. syscalls per request --------------------------------------------------------------------------
    print("\n== 2. System calls per request in ChatHandler (strace -c -f, 1000 requests on one connection)")
    if shutil.which("strace"):
        out = tmp / "strace.txt"
        tracer = subprocess.Popen(["strace", "-f", "-c", "-o", str(out), "-p", str(chat_pid)],
                                  stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=10)
        n = 1000
        for _ in range(n):
            conn.request("POST", "/chat", body=co.KAGAMI_BODY, headers={"Content-Type": "application/json"})
            conn.getresponse().read()
        conn.close()
        time.sleep(0.3)
        tracer.send_signal(2)
        tracer.wait(timeout=20)
        counts = []
        for line in out.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] not in ("total",):
                calls, name = int(parts[3]), parts[-1]
                if calls >= n // 10:
                    counts.append((calls / n, name))
        counts.sort(reverse=True)
        print("   " + ", ".join(f"{name} {per:.1f}" for per, name in counts)
              + f"   (total {sum(p for p, _ in counts):.1f} per request)")
    else:
        print("   strace not installed (apt-get install strace): skipped")

    # 3. perf ------------------------------------------------------------------------------------------
    print(f"\n== 3. perf record --call-graph dwarf on ChatHandler, c{args.connections}, {args.perf_seconds:g} s")
    if shutil.which("perf"):
        data = tmp / "perf.data"
        load = subprocess.Popen(
            ["wrk", f"-c{args.connections}", "-t2", f"-d{args.perf_seconds + 2:g}s", "-s", str(co.WRK_SCRIPT), url],
            env={**os.environ, "BENCH_BODY": co.KAGAMI_BODY}, stdout=subprocess.DEVNULL)
        time.sleep(0.7)
        rec = subprocess.run(["perf", "record", "-F", "499", "--call-graph", "dwarf,16384", "-p", str(chat_pid),
                              "-o", str(data), "--", "sleep", f"{args.perf_seconds:g}"],
                             capture_output=True, text=True, timeout=args.perf_seconds + 60)
        load.wait(timeout=60)
        if rec.returncode != 0 or not data.exists():
            print(f"   perf record failed: {rec.stderr.strip()[:300]}")
        else:
            dso = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--sort", "dso", "-g", "none",
                                  "--stdio"], capture_output=True, text=True, timeout=120).stdout
            shares = [line.split() for line in dso.splitlines() if "%" in line and not line.startswith("#")]
            print("   self time by library: " + ", ".join(f"{Path(p[1]).name} {p[0]}" for p in shares[:8] if len(p) > 1))
            rep = subprocess.run(["perf", "report", "-i", str(data), "--children", "--sort", "sym", "-g", "none",
                                  "--stdio"], capture_output=True, text=True, timeout=180).stdout
            entries = []
            for line in rep.splitlines():
                m = re.match(r"\s*([\d.]+)%\s+([\d.]+)%\s+\[(.)\]\s+(.*)$", line)
                if m:
                    entries.append((float(m.group(1)), float(m.group(2)), m.group(3), m.group(4).strip()))
            names = demangle([e[3] for e in entries])
            entries = [(c, s, k, n) for (c, s, k, _), n in zip(entries, names)]
            total_us = kagami[1].cpu.get("ChatHandler", 0) / max(1, kagami[1].requests) / 1000
            print(f"   inclusive share of ChatHandler's CPU (~{total_us:.0f} us/request at c{args.connections}, "
                  f"step 1), first matching frame per stage:")
            for pattern, label in STAGES:
                regex = re.compile(pattern)
                hit = next((e for e in entries if regex.search(e[3])), None)
                share = hit[0] if hit else 0.0
                print(f"     {share:5.1f}%  ~{share * total_us / 100:5.1f} us  {label}")
            kernel = sum(s for c, s, k, n in entries if k == "k")
            print(f"     {kernel:5.1f}%  ~{kernel * total_us / 100:5.1f} us  (kernel self time: syscalls, wakeups, "
                  f"context switches)")
            callers = subprocess.run(
                ["perf", "report", "-i", str(data), "--no-children", "--stdio", "-G", "--sort", "sym",
                 "--symbol-filter", "_lockSlow", "-g", "caller,0.5,callee,function,percent"],
                capture_output=True, text=True, timeout=180).stdout
            frames = [m.group(1) for m in re.finditer(r"--[\d.]+%--(\S+)", callers)]
            if frames:
                names = demangle(sorted(set(frames)))
                print("   Mutex slow path reached from: " + "; ".join(n[:90] for n in names[:6]))
            print(f"   hottest functions by self time:")
            for c, s, k, n in sorted(entries, key=lambda e: -e[1])[: args.top]:
                print(f"     {s:5.2f}%  [{k}] {n[:150]}")
    else:
        print("   perf not installed (apt-get install linux-perf): skipped")

    # 4. floor -----------------------------------------------------------------------------------------
    print("\n== 4. Floor: a trivial C libfcgi responder (bench/fcgi_floor.c, 64 threads, fixed reply, no backend "
          "call) on ChatHandler's socket, same nginx")
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc or not Path("/usr/include/fcgiapp.h").exists():
        print("   needs cc and libfcgi-dev (apt-get install gcc libfcgi-dev): skipped")
        return 0
    floor_bin = tmp / "fcgi_floor"
    subprocess.run([cc, "-O2", "-o", str(floor_bin), str(HERE / "fcgi_floor.c"), "-lfcgi", "-lpthread"], check=True)
    chat = stack.procs["chat"]
    chat.terminate()
    chat.wait(timeout=40)
    floor = subprocess.Popen([str(floor_bin), str(stack.socket_path), "64"])
    benchlib.on_exit(lambda: (floor.terminate(), floor.wait(timeout=10)))
    harness.wait_until(lambda: stack.socket_path.exists(), 10, "floor responder socket")
    co.run_wrk(url, co.KAGAMI_BODY, 4, 2, 1, tmp)  # warm-up; replaces nginx's kept connections
    floor_meter = benchlib.CpuMeter({"Kagami nginx": nginx_pids, "ChatHandler": [floor.pid], "backend nginx": backend_pids})
    result = load_steps(url, co.KAGAMI_BODY, args.seconds, args.connections, tmp, floor_meter)
    print("   (the ChatHandler column is the floor responder here)")
    print_load("floor POST /chat", *result, args.connections)
    for name, k, f in (("c1", kagami[0], result[0]), (f"c{args.connections}", kagami[1], result[1])):
        print(f"   {name}: Kagami/floor throughput {k.rps / f.rps:.3f}x; p50 Kagami - floor "
              f"+{co.ms(benchlib.hist_percentile(k.hist, 50) - benchlib.hist_percentile(f.hist, 50))}; "
              f"ChatHandler {k.cpu['ChatHandler'] / k.requests / 1000:.0f} us vs floor "
              f"{f.cpu['ChatHandler'] / f.requests / 1000:.0f} us CPU per request")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
        sys.exit(130)
