"""Beacon intake through nginx: RUMBeacon vs (a) a trivial C FastCGI responder (bench/fcgi_floor.c) behind the same
nginx config and (b) nginx `return 204`, measured in one run with alternating rounds; checks that every accepted
event was stored, and reports RUMBeacon's idle RSS.

  python3 bench/beacon_intake.py [--rounds 3] [--seconds 5] [--connections 64]

Needs: release RUMBeacon, ChatHandler and SiteGen (KAGAMI_BIN), nginx, wrk, cc + libfcgi-dev.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import benchlib

HERE = Path(__file__).resolve().parent
WRK_SCRIPT = HERE / "wrk_beacon.lua"


def realistic_batch() -> str:
    """What the RUM script sends when a user leaves after one chat: the view, five vitals, the Send action, one
    JS error (about 1.5 KB, 8 events)."""
    now = int(time.time() * 1000)
    events = [
        {"type": "view", "t": now - 9000, "name": "/", "value": 412.3,
         "attrs": {"lang": "en", "viewport": "1280x800", "nav_type": "navigate", "ttfb": 11.2, "dom_interactive": 80.4,
                   "dom_content_loaded": 96.1, "load": 412.3, "transfer_bytes": 5120, "fp": 120.5, "fcp": 120.5}},
        {"type": "vital", "t": now - 8900, "name": "FCP", "value": 120.5, "attrs": {"rating": "good"}},
        {"type": "vital", "t": now - 8800, "name": "TTFB", "value": 11.2, "attrs": {"rating": "good"}},
        {"type": "vital", "t": now - 100, "name": "LCP", "value": 180.4, "attrs": {"rating": "good"}},
        {"type": "vital", "t": now - 100, "name": "CLS", "value": 0.0123, "attrs": {"rating": "good"}},
        {"type": "vital", "t": now - 100, "name": "INP", "value": 48, "attrs": {"rating": "good"}},
        {"type": "action", "t": now - 3000, "name": "send", "value": 1520.4, "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
         "attrs": {"ttft_painted_ms": 182.5, "route": "/chat", "status": 200, "lang": "en"}},
        {"type": "error", "t": now - 2000, "name": "js", "attrs": {
            "message": "TypeError: Cannot read properties of null (reading 'textContent')",
            "source": "/assets/chat.0123456789ab.js", "line": 212, "col": 17,
            "stack": "TypeError: Cannot read properties of null (reading 'textContent')\n    at showRouteNote "
                     "(/assets/chat.0123456789ab.js:212:17)\n    at HTMLSelectElement.<anonymous> "
                     "(/assets/chat.0123456789ab.js:290:5)"}},
    ]
    return json.dumps({"session_id": "0123456789abcdef0123456789abcdef", "view_id": "fedcba9876543210",
                       "sent_at": now, "client": {"browser": "Chrome 156", "os": "Linux", "mobile": False},
                       "events": events}, separators=(",", ":"))


class Run:
    def __init__(self, path: Path):
        lines = path.read_text().splitlines()
        s = [int(x) for x in lines[0].split()[1:]]
        self.duration_us, self.requests, self.bytes = s[0], s[1], s[2]
        self.err_connect, self.err_read, self.err_write, self.non2xx, self.err_timeout = s[3:8]
        self.hist = {}
        for line in lines[1:]:
            value, count = line.split()
            self.hist[int(value)] = self.hist.get(int(value), 0) + int(count)

    @property
    def rps(self) -> float:
        return self.requests / (self.duration_us / 1e6)

    @property
    def errors(self) -> int:
        return self.err_connect + self.err_read + self.err_write + self.err_timeout + self.non2xx


def wrk(url: str, body: str, connections: int, seconds: float, tmp: Path) -> Run:
    out = tmp / f"wrk-{time.monotonic_ns()}.txt"
    env = {**os.environ, "BENCH_BODY": body, "BENCH_OUT": str(out)}
    proc = subprocess.run(["wrk", f"-c{connections}", "-t2", f"-d{seconds:g}s", "--timeout", "10s", "-s",
                           str(WRK_SCRIPT), url], env=env, capture_output=True, text=True, timeout=seconds + 30)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"wrk failed: {proc.stdout}\n{proc.stderr}")
    return Run(out)


def stored_rows(db: Path) -> int:
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute("SELECT COUNT(*) FROM rum_events").fetchone()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per side (3)")
    parser.add_argument("--seconds", type=float, default=5, help="wrk duration of each round (5)")
    parser.add_argument("--connections", type=int, default=64, help="concurrent clients (64)")
    args = parser.parse_args()

    benchlib.install_cleanup()
    benchlib.require_tools("nginx", "wrk", "cc")
    binaries = benchlib.kagami_bin()
    if not (binaries / "RUMBeacon").exists():
        benchlib.die(f"{binaries}/RUMBeacon not found: swift build -c release --product RUMBeacon")
    import tempfile
    tmp = Path(tempfile.mkdtemp(prefix="beacon-"))

    floor = tmp / "fcgi_floor"
    build = subprocess.run(["cc", "-O2", "-o", str(floor), str(HERE / "fcgi_floor.c"), "-lfcgi", "-lpthread"],
                           capture_output=True, text=True)
    if build.returncode != 0:
        benchlib.die(f"cannot build fcgi_floor.c (apt-get install gcc libfcgi-dev): {build.stderr.strip()}")

    body = realistic_batch()
    events_per_batch = len(json.loads(body)["events"])
    config = {"backends": {"default": {"type": "ollama", "url": "http://127.0.0.1:9"}},
              "routes": [{"path": "/chat", "model": "echo"}], "nginx": {"chat_rate_per_minute": 0},
              "handler": {"threads": 64}, "rum": {"rate_per_second": 0}}
    stack = benchlib.start_stack(config)
    benchlib.on_exit(stack.stop)
    rum_pid = stack.procs["rum"].pid
    time.sleep(1.0)
    idle_rss = benchlib.rss_kb(rum_pid)

    # (b) nginx `return 204` in the same server, and a second /rum upstream for the floor: both by reload.
    floor_sock = stack.home / "run" / "floor.sock"
    floor_proc = subprocess.Popen([str(floor), str(floor_sock), "64", "204"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
    benchlib.on_exit(lambda: (floor_proc.terminate(), floor_proc.wait(5)))
    benchlib.harness.wait_until(lambda: floor_sock.exists(), 5, "fcgi_floor socket")
    conf = stack.home / "nginx" / "nginx.conf"
    text = conf.read_text()
    text = text.replace("include " + str(stack.home / "site/nginx/kagami-locations.conf") + ";",
                        "location = /bench-204 { access_log off; return 204; }\n        "
                        "include " + str(stack.home / "site/nginx/kagami-locations.conf") + ";")
    conf.write_text(text)
    http_conf = stack.home / "site" / "nginx" / "kagami-http.conf"
    rum_http = http_conf.read_text()
    floor_http = rum_http.replace(f"server unix:{stack.rum_socket_path};", f"server unix:{floor_sock};")
    assert floor_http != rum_http, "could not find the kagami_rum upstream"

    def use(upstream_conf: str):
        http_conf.write_text(upstream_conf)
        subprocess.run(["nginx", "-p", str(stack.home / "nginx"), "-c", str(conf), "-s", "reload"], check=True)
        time.sleep(0.8)  # old workers finish, new ones take over

    sides = {"RUMBeacon": rum_http, "fcgi_floor (C)": floor_http, "nginx return 204": None}
    url = f"http://127.0.0.1:{stack.port}"
    use(rum_http)
    # Sanity: the handler accepts the batch.
    status, _, data = stack.request("POST", "/rum", body, {"Content-Type": "text/plain;charset=UTF-8"})
    if status != 204:
        benchlib.die(f"RUMBeacon refused the benchmark batch: {status} {data[:300]!r}", 1)

    rows = benchlib.conditions({"wrk": ["wrk", "-v"]}) + [
        ("load", f"wrk -c{args.connections} -t2 -d{args.seconds:g}s per round, {args.rounds} rounds per side, "
                 f"alternating order; POST /rum, text/plain, {len(body)} bytes, {events_per_batch} events"),
        ("nginx", "nginx/dev.conf.in as shipped (2 workers, upstream keepalive 8, fastcgi_keep_conn on); /rum with "
                  "rum.rate_per_second 0 (no limit_req), access_log off; all three sides in the same server"),
        ("sides", "RUMBeacon (64 threads, store in WAL SQLite, geo: "
                  + ("DB-IP City Lite" if Path(os.path.expanduser("~/.cache/kagami/geo/dbip-city-lite.mmdb")).exists()
                     else "none") + "); fcgi_floor.c (64 threads; reads the body, answers 204, "
                  "stores nothing); nginx `return 204`"),
        ("client", "wrk on the same machine (shares the cores)"),
    ]
    benchlib.print_conditions("Beacon intake (bench/beacon_intake.py)", rows)

    results: dict[str, list[Run]] = {name: [] for name in sides}
    warm_requests = warm_busy = 0
    order = list(sides)
    for round_index in range(args.rounds):
        names = order if round_index % 2 == 0 else list(reversed(order))
        for name in names:
            if sides[name] is not None:
                use(sides[name])
                warm = wrk(url + "/rum", body, args.connections, 1, tmp)  # warm-up
                if name == "RUMBeacon":
                    warm_requests += warm.requests - warm.non2xx
                    warm_busy += warm.non2xx
            target = url + ("/bench-204" if sides[name] is None else "/rum")
            results[name].append(wrk(target, body, args.connections, args.seconds, tmp))
    use(rum_http)

    # Every accepted event stored: RUMBeacon flushes its queue on SIGTERM.
    stack.stop_rum()
    stored = stored_rows(stack.db_path)
    print(f"\n== Throughput at {args.connections} connections (req/s per round; p50 / p99 latency of all rounds)")
    rps = {}
    for name in order:
        runs = results[name]
        hist: dict[int, int] = {}
        for r in runs:
            for value, count in r.hist.items():
                hist[value] = hist.get(value, 0) + count
        # Only 2xx answers count: RUMBeacon answers 503 (Retry-After) when its store queue is full.
        rps[name] = sum(r.requests - r.non2xx for r in runs) / (sum(r.duration_us for r in runs) / 1e6)
        errors = sum(r.errors for r in runs)
        print(f"   {name:18s} {rps[name]:9.0f} 2xx/s  rounds: "
              + ", ".join(f"{(r.requests - r.non2xx) / (r.duration_us / 1e6):.0f}" for r in runs)
              + f"  p50 {benchlib.hist_percentile(hist, 50) / 1000:.2f} ms  p99 {benchlib.hist_percentile(hist, 99) / 1000:.2f} ms"
              + f"  non-2xx {sum(r.non2xx for r in runs)}  socket errors {errors - sum(r.non2xx for r in runs)}"
              + f"  N={sum(r.requests for r in runs)}")
    ratio_floor = rps["RUMBeacon"] / rps["fcgi_floor (C)"]
    ratio_204 = rps["RUMBeacon"] / rps["nginx return 204"]
    print(f"\n   RUMBeacon / fcgi_floor      = {ratio_floor:.2f}x   (target >= 0.8x)")
    print(f"   RUMBeacon / nginx return 204 = {ratio_204:.2f}x")

    rum_requests = sum(r.requests - r.non2xx for r in results["RUMBeacon"]) + warm_requests + 1
    busy = sum(r.non2xx for r in results["RUMBeacon"]) + warm_busy
    # wrk does not count requests still in flight when a round ends (up to one per connection), but the handler
    # answered them: its exit line says how many beacons it stored and dropped.
    final = [json.loads(line) for line in stack.rum_log.read_text().splitlines()
             if line.startswith("{") and '"stopped"' in line][-1]
    print(f"\n== Every accepted event stored")
    slack = args.connections * (2 * args.rounds + 1)  # requests in flight when a wrk run ends, at most
    print(f"   204s wrk saw from RUMBeacon (rounds + warm-ups + sanity): {rum_requests}; 503 store_busy: {busy}")
    print(f"   RUMBeacon at exit: beacons stored {final['beacons_stored']}, refused or dropped "
          f"{final['beacons_dropped']} (503s it sent count here; up to {slack} may be unseen by wrk at round ends)")
    print(f"   rows in rum_events: {stored} = {stored / events_per_batch:.0f} beacons x {events_per_batch} events")
    complete = (stored == final["beacons_stored"] * events_per_batch and final["beacons_stored"] >= rum_requests
                and final["beacons_dropped"] <= busy + slack)
    print(f"   every accepted event stored: {'yes' if complete else 'NO'}")
    print(f"\n== RUMBeacon memory")
    print(f"   idle RSS 1 s after start: {benchlib.mb(idle_rss)} (target <= 20 MB)")
    errors = sum(r.errors - r.non2xx for name in order for r in results[name])
    sys.exit(0 if complete and errors == 0 else 1)


if __name__ == "__main__":
    main()
