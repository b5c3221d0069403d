#!/usr/bin/env python3
"""What Kagami's chat path costs on top of an instant LLM backend: latency, throughput, RSS.

An "instant backend" is a second, separate nginx answering `POST /api/chat` with one fixed, valid
non-streaming Ollama reply (`done: true`, counts and durations) via `return 200`, and `/api/tags` with the
model — so everything measured above it is Kagami (nginx -> FastCGI -> ChatHandler -> libcurl -> backend).

  a. latency, one request at a time (wrk -c1 -t1), rounds alternating direct / Kagami:
     (i)  POST /api/chat straight to the instant backend
     (ii) POST /chat {"message":"hi"} through Kagami (nginx + ChatHandler, non-streaming JSON answer)
     -> medians and p99 of both, and their differences (targets: +0.3 ms median, +1 ms p99)
  b. throughput at 32 connections (wrk -c32 -t2 -d10s), direct vs Kagami, ratio (target >= 0.1x), non-2xx
  c. VmRSS of ChatHandler: idle after start, after one request, at the end of the 32-connection load
     (targets: <= 20 MB idle, <= 30 MB under load)

Run:  KAGAMI_BIN=/path/to/release/bin bench/chat_overhead.py        (bench/run-all.sh builds and sets it)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import benchlib
from benchlib import harness, mb

HERE = Path(__file__).resolve().parent
WRK_SCRIPT = HERE / "wrk_post.lua"
MODEL = "instant:latest"

# A fixed Ollama /api/chat answer (the final object of a stream, which is also what stream:false returns).
# The trailing newline makes it a well-formed NDJSON line for a client that asked for stream:true.
REPLY = {
    "model": MODEL, "created_at": "2025-01-01T00:00:00.000000Z",
    "message": {"role": "assistant", "content": "Hello! How can I help you today?"},
    "done_reason": "stop", "done": True,
    "total_duration": 1_234_567, "load_duration": 123_456, "prompt_eval_count": 12,
    "prompt_eval_duration": 234_567, "eval_count": 9, "eval_duration": 876_543,
}
TAGS = {"models": [{"name": MODEL, "model": MODEL, "modified_at": "2025-01-01T00:00:00Z", "size": 1,
                    "digest": "0" * 64, "details": {"format": "gguf", "family": "bench"}}]}
# What ChatHandler itself sends (OllamaWire), so the direct request carries the same body.
DIRECT_BODY = json.dumps({"messages": [{"content": "hi", "role": "user"}], "model": MODEL,
                          "options": {"num_predict": 64}, "stream": False}, separators=(",", ":"))
KAGAMI_BODY = '{"message":"hi"}'


def nginx_quote(text: str, newline: bool = False) -> str:
    """A single-quoted nginx string; `newline` appends an escaped \\n (nginx expands it in quoted strings)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + ("\\n" if newline else "") + "'"


class InstantBackend:
    """A separate nginx that answers like an Ollama whose model takes no time at all."""

    def __init__(self, workers: int):
        self.dir = Path(tempfile.mkdtemp(prefix="kagami-instant-"))
        (self.dir / "tmp").mkdir()
        self.port = harness.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        reply = json.dumps(REPLY, separators=(",", ":"))
        self.reply_bytes = len(reply) + 1
        conf = f"""
{'user root;' if os.geteuid() == 0 else ''}
worker_processes {workers};
daemon off;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {self.dir}/tmp/body;
    proxy_temp_path {self.dir}/tmp/proxy;
    fastcgi_temp_path {self.dir}/tmp/fastcgi;
    uwsgi_temp_path {self.dir}/tmp/uwsgi;
    scgi_temp_path {self.dir}/tmp/scgi;
    tcp_nodelay on;
    keepalive_timeout 65s;
    # Ollama (Go net/http) never retires a kept-alive connection after N requests; nor does this backend.
    keepalive_requests 10000000;
    server {{
        listen 127.0.0.1:{self.port} backlog=4096;
        location = /api/chat {{ default_type application/json; return 200 {nginx_quote(reply, newline=True)}; }}
        location = /api/tags {{ default_type application/json; return 200 {nginx_quote(json.dumps(TAGS))}; }}
        location = /api/ps {{ default_type application/json; return 200 '{{"models":[]}}'; }}
        location / {{ return 404; }}
    }}
}}
"""
        (self.dir / "nginx.conf").write_text(conf)
        self.proc = subprocess.Popen(["nginx", "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")],
                                     stdout=subprocess.DEVNULL, stderr=open(self.dir / "stderr.log", "ab"))
        try:
            harness.wait_until(lambda: harness.http_ok(self.port, "/api/tags"), 10, "instant backend nginx")
        except TimeoutError:
            self.stop()
            raise

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class WrkResult:
    def __init__(self, out_file: Path, stdout: str):
        lines = out_file.read_text().splitlines()
        fields = [int(x) for x in lines[0].split()[1:]]
        (self.duration_us, self.requests, self.bytes, self.err_connect, self.err_read, self.err_write,
         self.non2xx, self.err_timeout) = fields
        self.hist: dict[int, int] = {}
        for line in lines[1:]:
            value, count = (int(x) for x in line.split())
            self.hist[value] = self.hist.get(value, 0) + count
        self.stdout = stdout

    @property
    def rps(self) -> float:
        return self.requests / (self.duration_us / 1e6)

    @property
    def socket_errors(self) -> int:
        return self.err_connect + self.err_read + self.err_write + self.err_timeout


def run_wrk(url: str, body: str, connections: int, threads: int, seconds: float, tmp: Path,
            meter: benchlib.CpuMeter | None = None) -> WrkResult:
    out = tmp / f"wrk-{time.monotonic_ns()}.txt"
    if meter:
        meter.start()
    env = {**os.environ, "BENCH_BODY": body, "BENCH_OUT": str(out)}
    cmd = ["wrk", f"-c{connections}", f"-t{threads}", f"-d{seconds:g}s", "--timeout", "10s", "-s", str(WRK_SCRIPT),
           url]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 30)
    used = meter.stop() if meter else {}
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stdout}\n{proc.stderr}")
    result = WrkResult(out, proc.stdout)
    result.cpu = used
    return result


def add_cpu(results: list[WrkResult]) -> dict[str, int]:
    total: dict[str, int] = {}
    for result in results:
        for name, ns in result.cpu.items():
            total[name] = total.get(name, 0) + ns
    return total


def noise(results: list[WrkResult]) -> str:
    """How busy the rest of the machine was during these runs (other sessions, daemons): % of one core."""
    rest = sum(r.cpu.get("rest", 0) for r in results)
    seconds = sum(r.duration_us for r in results) / 1e6
    return benchlib.noise_text(rest, seconds)[1]


def cpu_line(results: list[WrkResult]) -> str:
    used = add_cpu(results)
    requests = sum(r.requests for r in results)
    order = ["client", "Kagami nginx", "ChatHandler", "backend nginx", "rest", "total"]
    return ", ".join(f"{name} {used[name] / requests / 1000:.1f}" for name in order if name in used)


def merge(results: list[WrkResult]) -> dict[int, int]:
    hist: dict[int, int] = {}
    for result in results:
        for value, count in result.hist.items():
            hist[value] = hist.get(value, 0) + count
    return hist


def ms(us: float) -> str:
    return f"{us / 1000:.3f} ms"


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-seconds", type=float, default=4, help="wrk duration of each latency round (4)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="latency rounds; each runs direct and Kagami back to back, alternating order (3)")
    parser.add_argument("--load-seconds", type=float, default=10, help="wrk duration of each throughput run (10)")
    parser.add_argument("--connections", type=int, default=32, help="connections for the throughput runs (32)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads for the throughput runs (2)")
    parser.add_argument("--handler-threads", type=int, default=64, help="ChatHandler handler.threads (64)")
    parser.add_argument("--backend-workers", type=int, default=os.cpu_count() or 2,
                        help="nginx workers of the instant backend (default: cores)")
    args = parser.parse_args()
    for name in ("latency_seconds", "load_seconds"):
        if not 0.5 <= getattr(args, name) <= 60:
            benchlib.die(f"--{name.replace('_', '-')} must be between 0.5 and 60")
    if not 1 <= args.rounds <= 10:
        benchlib.die("--rounds must be between 1 and 10")

    benchlib.require_tools("nginx", "wrk")
    binaries = benchlib.kagami_bin()
    benchlib.install_cleanup()
    tmp = Path(tempfile.mkdtemp(prefix="kagami-bench-"))
    benchlib.on_exit(lambda: shutil.rmtree(tmp, ignore_errors=True))

    benchlib.wait_for_quiet()
    started = time.monotonic()
    rows = benchlib.conditions({"wrk": ["wrk", "-v"]})
    backend = InstantBackend(args.backend_workers)
    benchlib.on_exit(backend.stop)
    config = harness.config_for(
        backend.url, "ollama", routes=[{"path": "/chat", "model": MODEL, "max_tokens": 64}],
        backends={"default": {"type": "ollama", "url": backend.url, "max_concurrency": 64, "max_queue": 1024}},
        handler={"threads": args.handler_threads})
    stack = benchlib.start_stack(config)
    benchlib.on_exit(stack.stop)
    chat_pid = stack.procs["chat"].pid
    nginx_pid = stack.procs["nginx"].pid
    rows += [
        ("instant backend", f"nginx `return 200` (fixed Ollama /api/chat reply, {backend.reply_bytes} B), "
                            f"{args.backend_workers} workers, {backend.url}"),
        ("kagami stack", f"nginx/dev.conf.in (2 workers, upstream keepalive 8, fastcgi_keep_conn) -> unix socket "
                         f"-> ChatHandler pid {chat_pid}, handler.threads {args.handler_threads}, "
                         f"max_concurrency 64, max_queue 1024, rate limit off, route /chat -> {MODEL}"),
        ("client", "wrk on the same machine (shares the cores with nginx, ChatHandler and the backend)"),
    ]
    benchlib.print_conditions("Kagami chat overhead over an instant backend", rows)

    meter = benchlib.CpuMeter({
        "Kagami nginx": [nginx_pid] + benchlib.children_of(nginx_pid), "ChatHandler": [chat_pid],
        "backend nginx": [backend.proc.pid] + benchlib.children_of(backend.proc.pid)})
    direct_url = f"{backend.url}/api/chat"
    kagami_url = f"http://127.0.0.1:{stack.port}/chat"

    # --- c. RSS idle, then after one request -------------------------------------------------------------
    time.sleep(1.0)
    rss_idle = benchlib.rss_kb(chat_pid)
    rss_idle_split = (benchlib.rss_kb(chat_pid, "RssAnon"), benchlib.rss_kb(chat_pid, "RssFile"))
    pss_idle = benchlib.pss_kb(chat_pid)
    nginx_pids = [nginx_pid] + benchlib.children_of(nginx_pid)
    rss_nginx_idle = sum(benchlib.rss_kb(p) or 0 for p in nginx_pids)
    status, headers, answer = stack.chat({"message": "hi"})
    if status != 200 or not isinstance(answer, dict) or answer.get("reply") != REPLY["message"]["content"] \
            or answer.get("eval_count") != REPLY["eval_count"]:
        benchlib.die(f"sanity request through Kagami failed: {status} {answer!r}", 1)
    time.sleep(0.2)
    rss_one = benchlib.rss_kb(chat_pid)
    print(f"\n   sanity: POST /chat -> 200, reply {answer['reply']!r}, eval_count {answer['eval_count']}, "
          f"prompt_eval_count {answer.get('prompt_eval_count')}, duration_ms {answer.get('duration_ms'):.3f}")

    # Warm-up (connections, caches, page faults), not measured.
    run_wrk(direct_url, DIRECT_BODY, 1, 1, 1, tmp)
    run_wrk(kagami_url, KAGAMI_BODY, 1, 1, 1, tmp)

    # --- a. latency, one request at a time ---------------------------------------------------------------
    print(f"\n== a. Latency, one request at a time: wrk -c1 -t1, {args.rounds} rounds x {args.latency_seconds:g} s "
          f"per target, alternating order (A B, B A, ...)")
    lat: dict[str, list[WrkResult]] = {"direct": [], "kagami": []}
    for r in range(args.rounds):
        order = ["direct", "kagami"] if r % 2 == 0 else ["kagami", "direct"]
        for which in order:
            url, body = (direct_url, DIRECT_BODY) if which == "direct" else (kagami_url, KAGAMI_BODY)
            lat[which].append(run_wrk(url, body, 1, 1, args.latency_seconds, tmp, meter))
    stats = {}
    for which, results in lat.items():
        hist = merge(results)
        n = sum(hist.values())
        mean = sum(v * c for v, c in hist.items()) / n
        stats[which] = {
            "n": n, "mean": mean, "p50": benchlib.hist_percentile(hist, 50), "p90": benchlib.hist_percentile(hist, 90),
            "p99": benchlib.hist_percentile(hist, 99), "p999": benchlib.hist_percentile(hist, 99.9),
            "max": max(hist), "round_p50": [benchlib.hist_percentile(r.hist, 50) for r in results],
            "non2xx": sum(r.non2xx for r in results), "errors": sum(r.socket_errors for r in results),
            "rps": sum(r.requests for r in results) / sum(r.duration_us / 1e6 for r in results),
        }
    print(f"   {'':28}{'N':>8} {'p50':>10} {'p90':>10} {'p99':>10} {'p99.9':>10} {'mean':>10} {'req/s':>8}"
          f"  per-round p50 (ms)   non-2xx errors")
    labels = {"direct": "(i)  direct POST /api/chat", "kagami": "(ii) Kagami POST /chat"}
    for which, s in stats.items():
        print(f"   {labels[which]:28}{s['n']:>8} {ms(s['p50']):>10} {ms(s['p90']):>10} {ms(s['p99']):>10} "
              f"{ms(s['p999']):>10} {ms(s['mean']):>10} {s['rps']:>8.0f}  "
              f"{' '.join(f'{v / 1000:.3f}' for v in s['round_p50']):20} {s['non2xx']:>7} {s['errors']:>6}")
    d50 = stats["kagami"]["p50"] - stats["direct"]["p50"]
    d99 = stats["kagami"]["p99"] - stats["direct"]["p99"]
    print("   CPU per request, us (from /proc/*/schedstat; client = wrk; rest = the rest of the machine):")
    for which, results in lat.items():
        print(f"     {labels[which]:28} {cpu_line(results)}")
    print(f"   other activity on the machine meanwhile: {noise(lat['direct'] + lat['kagami'])}")
    print(f"   added by Kagami (nginx hop + FastCGI + ChatHandler + libcurl):")
    print(f"     median  +{ms(d50)}  (target <= +0.300 ms: {verdict(d50 <= 300)})")
    print(f"     p99     +{ms(d99)}  (target <= +1.000 ms: {verdict(d99 <= 1000)})")

    # --- b. throughput at 32 connections, with RSS sampling -----------------------------------------------
    print(f"\n== b. Throughput: wrk -c{args.connections} -t{args.wrk_threads} -d{args.load_seconds:g}s, direct then "
          f"Kagami (max_concurrency 64, handler.threads {args.handler_threads})")
    peak = {"rss": 0}
    sampling = threading.Event()

    def sample():
        while not sampling.wait(0.2):
            peak["rss"] = max(peak["rss"], benchlib.rss_kb(chat_pid) or 0)

    direct = run_wrk(direct_url, DIRECT_BODY, args.connections, args.wrk_threads, args.load_seconds, tmp, meter)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    kagami = run_wrk(kagami_url, KAGAMI_BODY, args.connections, args.wrk_threads, args.load_seconds, tmp, meter)
    rss_end = benchlib.rss_kb(chat_pid)
    sampling.set()
    sampler.join()
    rss_hwm = benchlib.rss_kb(chat_pid, "VmHWM")
    rss_end_split = (benchlib.rss_kb(chat_pid, "RssAnon"), benchlib.rss_kb(chat_pid, "RssFile"))
    threads_now = len(os.listdir(f"/proc/{chat_pid}/task"))
    for label, r in (("direct POST /api/chat", direct), ("Kagami POST /chat", kagami)):
        hist = r.hist
        print(f"   {label:24} {r.rps:>9.0f} req/s   N {r.requests:>7} in {r.duration_us / 1e6:.2f} s   "
              f"p50 {ms(benchlib.hist_percentile(hist, 50))}  p99 {ms(benchlib.hist_percentile(hist, 99))}  "
              f"max {ms(max(hist))}   non-2xx {r.non2xx}   socket errors {r.socket_errors}")
    print("   CPU per request, us (client = wrk; rest = the rest of the machine; total = all cores busy time):")
    for label, r in (("direct POST /api/chat", direct), ("Kagami POST /chat", kagami)):
        print(f"     {label:24} {cpu_line([r])}")
    print(f"   other activity on the machine meanwhile: {noise([direct, kagami])}")
    ratio = kagami.rps / direct.rps
    bad = kagami.non2xx + direct.non2xx + kagami.socket_errors + direct.socket_errors
    print(f"   ratio Kagami/direct: {ratio:.3f}x  (target >= 0.1x: {verdict(ratio >= 0.1)}); "
          f"non-2xx + errors: {bad} ({'OK' if bad == 0 else 'MUST BE 0'})")

    # --- c. memory -------------------------------------------------------------------------------------
    rss_nginx_end = sum(benchlib.rss_kb(p) or 0 for p in nginx_pids)
    print("\n== c. ChatHandler memory (VmRSS from /proc/PID/status)")
    print(f"   idle after start            {mb(rss_idle):>9}   (target <= 20 MB: {verdict((rss_idle or 1e9) <= 20 * 1024)}); "
          f"anonymous {mb(rss_idle_split[0])} + file-backed (shared libraries) {mb(rss_idle_split[1])}; "
          f"PSS {mb(pss_idle)}")
    print(f"   after one request           {mb(rss_one):>9}")
    print(f"   end of {args.connections}-connection load   {mb(rss_end):>9}   "
          f"(target <= 30 MB: {verdict((rss_end or 1e9) <= 30 * 1024)}); peak sampled every 0.2 s "
          f"{mb(peak['rss'])}, VmHWM {mb(rss_hwm)}; {threads_now} threads")
    print(f"                                          anonymous {mb(rss_end_split[0])} + file-backed {mb(rss_end_split[1])}")
    print(f"   (Kagami's nginx master + {len(nginx_pids) - 1} workers: {mb(rss_nginx_idle)} idle, "
          f"{mb(rss_nginx_end)} after the load)")

    # Sanity from the handler's own log: every chat it logged should be a 200.
    statuses: dict[int, int] = {}
    for line in stack.chat_log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("msg") == "chat":
            statuses[entry.get("status")] = statuses.get(entry.get("status"), 0) + 1
    print(f"\n   ChatHandler log: chat lines by status {dict(sorted(statuses.items()))}")
    # How much of each chat was recorded: ChatHandler's exit line counts the traces built lighter under load.
    proc = stack.procs["chat"]
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    flushed = [json.loads(line) for line in stack.chat_log.read_text(errors="replace").splitlines()
               if line.startswith("{") and '"telemetry flushed"' in line]
    if flushed:
        f = flushed[-1]
        total = sum(statuses.values())
        light = (f.get("traces_without_evaluations", 0) + f.get("traces_counts_only", 0)
                 + f.get("traces_sampled_out", 0))
        print(f"   recorded: {total - light - f.get('traces_dropped', 0)} full traces, "
              f"{f.get('traces_without_evaluations', 0)} without evaluations, {f.get('traces_counts_only', 0)} counts "
              f"only (backlog), {f.get('traces_sampled_out', 0)} counts only (past observability.max_traces_per_second), "
              f"{f.get('traces_dropped', 0)} not recorded (pipeline); {f.get('store_dropped', 0)} dropped by "
              f"the store — of {total} chats (every chat is in the rollups and metrics)")
    print(f"   total wall time {time.monotonic() - started:.0f} s")
    ok = bad == 0 and stats["kagami"]["non2xx"] == 0 and stats["kagami"]["errors"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
        sys.exit(130)
