#!/usr/bin/env python3
"""Streaming through Kagami vs straight to the model: TTFT and tokens/s with the real bundled model.

Starts llama-server with Gemma 3 270M (scripts/prepare-model.sh caches both) and a Kagami stack (nginx +
ChatHandler, backend type `openai` pointing at that llama-server), then alternates, for N rounds:

  A  direct:  POST llama-server /v1/chat/completions, stream: true (the exact body ChatHandler sends:
              same messages, max_tokens, temperature, stream_options.include_usage)
  B  Kagami:  POST /chat {"message": ...} with Accept: text/event-stream through nginx

(order A B, B A, A B, ... so neither side always runs second). Per request:

  TTFT        request sent -> first non-empty text delta received by this client
  tokens/s    (deltas - 1) / (last delta - first delta), from the deltas' arrival times here
  gaps        time between consecutive deltas; buffering would show as bursts (near-zero gaps and long ones)
  backend     llama-server's own generation rate (timings.predicted_n / predicted_ms) for the same request

Medians of both and their difference/ratio are printed; streaming must not buffer, so they should match
within noise.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import time
from pathlib import Path

import benchlib
from benchlib import harness, median, mb

PROMPT_DEFAULT = "Write a short story about a lighthouse keeper who finds a message in a bottle."


def read_sse(response: http.client.HTTPResponse, deadline: float):
    """Yields (arrival time, event name, data string) for each SSE event, as it arrives."""
    event, data = "message", []
    while True:
        if time.perf_counter() > deadline:
            raise TimeoutError("stream took too long")
        line = response.readline()
        now = time.perf_counter()
        if not line:
            return
        line = line.decode().rstrip("\r\n")
        if line == "":
            if data:
                yield now, event, "\n".join(data)
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())


class Sample:
    def __init__(self, side: str):
        self.side = side
        self.sent = 0.0
        self.arrivals: list[float] = []  # non-empty text deltas
        self.text = ""
        self.end = 0.0
        self.backend_tps: float | None = None
        self.tokens: int | None = None   # completion tokens the backend counted
        self.prompt_tokens: int | None = None
        self.cached: int | None = None
        self.extra: dict = {}

    @property
    def ttft_ms(self) -> float:
        return (self.arrivals[0] - self.sent) * 1000 if self.arrivals else float("nan")

    @property
    def tps(self) -> float:
        if len(self.arrivals) < 2:
            return float("nan")
        return (len(self.arrivals) - 1) / (self.arrivals[-1] - self.arrivals[0])

    @property
    def gaps_ms(self) -> list[float]:
        return [(b - a) * 1000 for a, b in zip(self.arrivals, self.arrivals[1:])]

    @property
    def total_ms(self) -> float:
        return (self.end - self.sent) * 1000


def direct_request(port: int, body: dict, timeout: float) -> Sample:
    sample = Sample("direct")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    payload = json.dumps(body, separators=(",", ":"), sort_keys=True)
    try:
        sample.sent = time.perf_counter()
        conn.request("POST", "/v1/chat/completions", body=payload,
                     headers={"Content-Type": "application/json", "Accept": "*/*"})
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"llama-server answered {response.status}: {response.read()[:300]!r}")
        for at, _event, data in read_sse(response, sample.sent + timeout):
            if data == "[DONE]":
                break
            chunk = json.loads(data)
            for choice in chunk.get("choices") or []:
                text = (choice.get("delta") or {}).get("content") or ""
                if text:
                    sample.arrivals.append(at)
                    sample.text += text
            if chunk.get("usage"):
                sample.tokens = chunk["usage"].get("completion_tokens")
                sample.prompt_tokens = chunk["usage"].get("prompt_tokens")
            timings = chunk.get("timings")
            if timings and timings.get("predicted_ms"):
                sample.backend_tps = timings["predicted_n"] / timings["predicted_ms"] * 1000
                sample.cached = timings.get("cache_n")
        sample.end = time.perf_counter()
    finally:
        conn.close()
    return sample


def kagami_request(port: int, message: str, timeout: float) -> Sample:
    sample = Sample("kagami")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        sample.sent = time.perf_counter()
        conn.request("POST", "/chat", body=json.dumps({"message": message}),
                     headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"Kagami answered {response.status}: {response.read()[:300]!r}")
        done = False
        for at, event, data in read_sse(response, sample.sent + timeout):
            payload = json.loads(data)
            if event == "token":
                if payload.get("text"):
                    sample.arrivals.append(at)
                    sample.text += payload["text"]
            elif event == "done":
                done = True
                sample.tokens = payload.get("eval_count")
                sample.prompt_tokens = payload.get("prompt_eval_count")
                gen = payload.get("generation_ms")
                if gen and sample.tokens:
                    sample.backend_tps = sample.tokens / gen * 1000
                sample.extra = {k: payload.get(k) for k in ("ttft_ms", "backend_ttft_ms", "queue_ms", "duration_ms")}
            elif event == "error":
                raise RuntimeError(f"Kagami stream error: {payload}")
        if not done:
            raise RuntimeError("Kagami stream ended without a done event")
        sample.end = time.perf_counter()
    finally:
        conn.close()
    return sample


def fmt(value: float, unit: str = "", digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:.{digits}f}{unit}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10, help="requests per side, alternating (10)")
    parser.add_argument("--max-tokens", type=int, default=64, help="max_tokens for both sides (64)")
    parser.add_argument("--temperature", type=float, default=0.0,
                        help="temperature for both sides (0: both produce the same text); -1 = not sent")
    parser.add_argument("--prompt", default=PROMPT_DEFAULT, help="the user message")
    parser.add_argument("--timeout", type=float, default=60, help="limit per request, s (60)")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 50:
        benchlib.die("--rounds must be between 1 and 50")
    if not 2 <= args.max_tokens <= 512:
        benchlib.die("--max-tokens must be between 2 and 512")

    benchlib.require_tools("nginx")
    cache = harness.CACHE
    if not (cache / "bin" / "llama-server").exists() or not (cache / "models" / "gemma-3-270m-q4_k_m.gguf").exists():
        benchlib.die(f"llama-server or the model is missing under {cache}: run scripts/prepare-model.sh first")
    benchlib.kagami_bin()
    benchlib.install_cleanup()

    benchlib.wait_for_quiet()
    started = time.monotonic()
    rows = benchlib.conditions({"llama-server": [str(cache / "bin" / "llama-server"), "--version"]})
    llama = harness.LlamaServer()
    benchlib.on_exit(llama.stop)
    temperature = None if args.temperature < 0 else args.temperature
    route = {"path": "/chat", "model": harness.LlamaServer.ALIAS, "max_tokens": args.max_tokens,
             "on_missing_model": "fail"}
    if temperature is not None:
        route["temperature"] = temperature
    config = harness.config_for(llama.url, "openai", routes=[route],
                                backends={"default": {"type": "openai", "url": llama.url, "max_concurrency": 2}})
    stack = benchlib.start_stack(config)
    benchlib.on_exit(stack.stop)
    # Exactly what ChatHandler's OpenAIWire sends (sorted keys; absent optionals omitted).
    body = {"model": harness.LlamaServer.ALIAS, "messages": [{"content": args.prompt, "role": "user"}],
            "stream": True, "max_tokens": args.max_tokens, "stream_options": {"include_usage": True}}
    if temperature is not None:
        body["temperature"] = temperature
    rows += [
        ("model", f"Gemma 3 270M Q4_K_M via llama-server (-t {os.cpu_count()}, -c 4096), alias "
                  f"{harness.LlamaServer.ALIAS}, pid {llama.proc.pid}"),
        ("kagami stack", f"nginx/dev.conf.in -> ChatHandler (backend type openai, max_concurrency 2), "
                         f"pid {stack.procs['chat'].pid}"),
        ("request", f"max_tokens {args.max_tokens}, temperature {temperature if temperature is not None else 'not sent'}, "
                    f"prompt {args.prompt!r}"),
        ("method", f"{args.rounds} rounds per side, alternating A/B, B/A; one request at a time; "
                   f"client: Python http.client on the same machine, new connection per request"),
    ]
    benchlib.print_conditions("Streaming through Kagami vs direct to llama-server", rows)

    # Warm-up: model pages, prompt cache, Kagami's model list and kept-alive backend connection.
    direct_request(llama.port, body, args.timeout)
    kagami_request(stack.port, args.prompt, args.timeout)

    nginx_pid = stack.procs["nginx"].pid
    groups = {"llama-server": [llama.proc.pid], "ChatHandler": [stack.procs["chat"].pid],
              "Kagami nginx": [nginx_pid] + benchlib.children_of(nginx_pid)}
    cpu = {side: {name: 0 for name in [*groups, "client"]} for side in ("direct", "kagami")}
    busy_start, wall_start = benchlib.system_busy_ns(), time.monotonic()
    samples: dict[str, list[Sample]] = {"direct": [], "kagami": []}
    for r in range(args.rounds):
        order = ("direct", "kagami") if r % 2 == 0 else ("kagami", "direct")
        for side in order:
            before = {name: sum(benchlib.cpu_ns(p) for p in pids) for name, pids in groups.items()}
            before["client"] = int(time.process_time() * 1e9)
            if side == "direct":
                samples[side].append(direct_request(llama.port, body, args.timeout))
            else:
                samples[side].append(kagami_request(stack.port, args.prompt, args.timeout))
            for name, pids in groups.items():
                cpu[side][name] += sum(benchlib.cpu_ns(p) for p in pids) - before[name]
            cpu[side]["client"] += int(time.process_time() * 1e9) - before["client"]

    busy = benchlib.system_busy_ns() - busy_start
    ours = sum(ns for side in cpu.values() for ns in side.values())
    noise_share, noise = benchlib.noise_text(max(0, busy - ours), time.monotonic() - wall_start)

    print(f"\n   per request (ms, tok/s):   {'round':>5}  {'TTFT':>8} {'tok/s':>7} {'deltas':>6} {'total':>8} "
          f"{'max gap':>8} {'backend tok/s':>13}")
    for r in range(args.rounds):
        for side in ("direct", "kagami"):
            s = samples[side][r]
            print(f"   {side:26} {r + 1:>5}  {fmt(s.ttft_ms):>8} {fmt(s.tps):>7} {len(s.arrivals):>6} "
                  f"{fmt(s.total_ms):>8} {fmt(max(s.gaps_ms, default=float('nan'))):>8} {fmt(s.backend_tps):>13}")

    summary = {}
    for side, items in samples.items():
        gaps = [g for s in items for g in s.gaps_ms]
        summary[side] = {
            "ttft": median([s.ttft_ms for s in items]), "tps": median([s.tps for s in items]),
            "total": median([s.total_ms for s in items]), "backend_tps": median([s.backend_tps or float("nan") for s in items]),
            "deltas": median([len(s.arrivals) for s in items]), "tokens": median([s.tokens or 0 for s in items]),
            "gap_p50": benchlib.percentile(gaps, 50), "gap_p99": benchlib.percentile(gaps, 99),
            "gap_max": max(gaps, default=float("nan")),
            "bursty": sum(1 for g in gaps if g < 1.0) / len(gaps) if gaps else float("nan"),
            # Robust to a slower model: what fraction of the backend's own rate reached this client.
            "delivery": median([s.tps / s.backend_tps for s in items if s.backend_tps]),
        }
    d, k = summary["direct"], summary["kagami"]
    print(f"\n== Medians over {args.rounds} requests per side")
    print(f"   {'':10} {'TTFT ms':>9} {'tok/s':>7} {'total ms':>9} {'deltas':>7} {'tokens':>7} {'backend tok/s':>14} "
          f"{'gap p50/p99/max ms':>20} {'gaps<1ms':>8}")
    for label, s in (("direct", d), ("Kagami", k)):
        print(f"   {label:10} {fmt(s['ttft']):>9} {fmt(s['tps']):>7} {fmt(s['total']):>9} {s['deltas']:>7g} "
              f"{s['tokens']:>7g} {fmt(s['backend_tps']):>14} "
              f"{fmt(s['gap_p50']) + '/' + fmt(s['gap_p99']) + '/' + fmt(s['gap_max']):>20} {s['bursty'] * 100:>7.0f}%")
    print(f"   Kagami - direct: TTFT {k['ttft'] - d['ttft']:+.2f} ms ({k['ttft'] / d['ttft']:.3f}x), "
          f"tokens/s {k['tps'] - d['tps']:+.2f} ({k['tps'] / d['tps']:.3f}x), "
          f"total {k['total'] - d['total']:+.2f} ms ({k['total'] / d['total']:.3f}x)")
    print(f"   client tok/s / backend's own tok/s (1.0 = the path loses nothing; robust to the model's speed): "
          f"direct {d['delivery']:.3f}, Kagami {k['delivery']:.3f}")
    same = sum(1 for a, b in zip(samples["direct"], samples["kagami"]) if a.text == b.text)
    print(f"   identical reply text in {same}/{args.rounds} rounds"
          f"{' (temperature 0: expected all)' if temperature == 0 else ''}")
    extras = [s.extra for s in samples["kagami"] if s.extra]
    if extras:
        added = median([s.ttft_ms - s.extra["backend_ttft_ms"] for s in samples["kagami"]
                        if s.extra.get("backend_ttft_ms") is not None])
        print(f"   TTFT added by Kagami's path (client TTFT - ChatHandler's backend TTFT, median): {added:.2f} ms")
        print(f"   Kagami's own view (done event, medians): handler TTFT "
              f"{fmt(median([e['ttft_ms'] for e in extras if e.get('ttft_ms') is not None]), ' ms', 2)}, "
              f"backend TTFT {fmt(median([e['backend_ttft_ms'] for e in extras if e.get('backend_ttft_ms') is not None]), ' ms', 2)}, "
              f"queue {fmt(median([e['queue_ms'] or 0 for e in extras]), ' ms', 2)}")
    print("   CPU per streamed token (us, /proc/*/schedstat; client = this Python process):")
    for side in ("direct", "kagami"):
        tokens = sum(len(x.arrivals) for x in samples[side])
        print(f"     {side:7} " + ", ".join(f"{name} {ns / max(1, tokens) / 1000:.0f}" for name, ns in cpu[side].items()))
    print(f"   other activity on the machine meanwhile: {noise}")
    # Bursts (many near-zero gaps) mean buffering; long gaps alone can be a busy machine.
    buffered = k["bursty"] > d["bursty"] + 0.2 or (noise_share <= 20 and k["gap_max"] > 5 * max(d["gap_max"], 1))
    print(f"   streaming verdict: {'BUFFERED? deltas arrive in bursts through Kagami' if buffered else 'not buffered (delta gaps match the direct stream)'}")
    print(f"   llama-server RSS {mb(benchlib.rss_kb(llama.proc.pid))}, ChatHandler RSS "
          f"{mb(benchlib.rss_kb(stack.procs['chat'].pid))}; wall time {time.monotonic() - started:.0f} s")
    return 1 if buffered else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
        sys.exit(130)
