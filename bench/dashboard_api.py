#!/usr/bin/env python3
"""Dashboard figures on a large generated store: each API endpoint's p50/p95 for a 24-hour window, the
Overview page's draw time in headless Chromium, and the dashboard assets' gzip weight.

    KAGAMI_BIN=.build/release python3 bench/dashboard_api.py [--chats 1000000] [--rum 5000000] [--runs 20]
        [--store PATH] [--no-browser]

The store is written with sqlite3 straight into Kagami's schema (the same tables ChatHandler, RUMBeacon and
the sampler fill): chats spread over the last 24 h with 3 evaluations each, per-minute rollups (chats,
evaluations, RUM events), host and process samples every 5 s, residency samples, and RUM events. Requests go
through nginx (basic auth) to DashboardAPI.

`--store PATH` keeps the generated store at PATH (with PATH.json saying what it holds and the time it ends at) and
reuses it on the next run when its chat and RUM counts match, so iterations skip the generation; every window
(API and page) then ends at the store's own end time (`to`). A store opened by a newer Kagami carries its newer
schema: keep one store per build being compared.
"""
import argparse
import base64
import gzip
import http.client
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "Integration"))
from harness import Stack, config_for  # noqa: E402

MINUTE_NS = 60_000_000_000
GENERATOR = 2  # bump when generate() changes what it writes: stores kept with --store are then regenerated
ACTIONS = ["send"] * 6 + ["stop", "model_change", "language", "new_chat"]


def generate(db_path: Path, chats: int, rum: int, now_ns: int):
    rng = random.Random(7)
    db = sqlite3.connect(db_path, timeout=30)
    db.execute("PRAGMA synchronous=OFF")
    day_ns = 86_400 * 1_000_000_000
    rollups = {}
    bounds = [10 * 2 ** i for i in range(14)]
    models = [("/chat", "gemma3:270m"), ("/granite", "granite3.2:2b"), ("/chat", "tinyllama:latest")]
    words = ["hello", "summary", "天気", "translate", "code", "要約", "email", "weather", "story", "plan"]

    def chat_rows():
        for i in range(chats):
            start = now_ns - day_ns + i * (day_ns // chats)
            route, model = models[i % 3]
            duration = rng.lognormvariate(6.5, 0.8)
            failed = i % 50 == 0
            cold = i % 400 == 0
            load = 2000.0 if cold else 0.0
            minute = start // MINUTE_NS
            b = next((k for k, x in enumerate(bounds) if duration <= x), 14)
            key = (minute, route, model)
            r = rollups.setdefault(key, [0, 0, 0.0, 0.0, 0, 0, 0, 0.0, 0, 0.0] + [0] * 15)
            r[0] += 1; r[1] += failed; r[2] += duration; r[3] += 80; r[4] += 1; r[5] += 30; r[6] += 100
            r[7] += 0.0001; r[8] += cold; r[9] += load; r[10 + b] += 1
            yield (f"{i:032x}", f"r{i}", start, duration, route, model, 502 if failed else 200,
                   "backend_error" if failed else None, f"s{i % 5000}", 30, 100, 80.0, 1.0, load, 20.0,
                   duration - 100, int(cold), 0.0001, f"{rng.choice(words)} {rng.choice(words)} {i}", "ok…")

    with db:
        db.executemany(
            "INSERT INTO chats (trace_id, request_id, start_ns, duration_ms, route, model, status, error_code,"
            " session_id, input_tokens, output_tokens, ttft_ms, queue_ms, load_ms, prompt_eval_ms, generation_ms,"
            " cold_start, cost, input_masked, output_masked) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            chat_rows())
        db.executemany(
            "INSERT INTO evaluations VALUES (?, ?, ?, ?, ?, ?)",
            ((f"{i:032x}", name, label if i % 97 else "fail", 0.5, "generated", now_ns - day_ns + i * (day_ns // chats))
             for i in range(chats) for name, label in (("pii", "none"), ("failure_to_answer", "pass"),
                                                       ("language_mismatch", "ok"))))
        db.executemany(
            "INSERT INTO rollup_minute (minute, route, model, requests, errors, latency_sum_ms, ttft_sum_ms,"
            " ttft_count, input_tokens, output_tokens, cost, cold_starts, load_sum_ms, host_cost, "
            + ", ".join(f"b{k}" for k in range(15)) + ") VALUES (" + ",".join("?" * 29) + ")",
            ((m, route, model, *v[:8], v[8], v[9], 0.0, *v[10:]) for (m, route, model), v in rollups.items()))
        for t in range(now_ns - day_ns, now_ns, 5_000_000_000):
            db.execute("INSERT OR IGNORE INTO host_samples VALUES (?, ?, ?, 4000000000, 0.5)",
                       (t, rng.uniform(5, 95), rng.randint(1_000_000_000, 2_000_000_000)))
            db.execute("INSERT OR IGNORE INTO process_samples VALUES (?, 1, 'llama-server', 'runner', ?, 400000000)",
                       (t, rng.uniform(0, 90)))
            db.execute("INSERT OR IGNORE INTO process_samples VALUES (?, 2, 'ChatHandler', 'kagami', 1, 20000000)", (t,))
            if (t // 600_000_000_000) % 3:
                db.execute("INSERT OR IGNORE INTO model_residency VALUES (?, 'default', 'gemma3:270m', 300000000, 0,"
                           " NULL)", (t,))
        kinds = [("view", "/"), ("vital", "LCP"), ("vital", "INP"), ("vital", "CLS"), ("vital", "FCP"),
                 ("vital", "TTFB"), ("action", "send"), ("error", "js"), ("resource", "fetch"), ("long_task", None)]
        db.executemany(
            "INSERT INTO rum_events (time_ns, session_id, view_id, type, name, trace_id, value, attributes, country,"
            " browser, os, device) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            ((now_ns - day_ns + j * (day_ns // rum), f"rs{j % 20000}", f"v{j % 50000}", kinds[j % 10][0],
              ACTIONS[(j // 10) % 10] if j % 10 == 6 else kinds[j % 10][1],
              f"{(j // 10) % chats:032x}" if j % 10 == 6 and (j // 10) % 10 < 6 else None,
              (0.05 if j % 10 == 3 else rng.uniform(50, 5000)) if j % 10 not in (0, 7) else None,
              '{"message":"TypeError %d"}' % (j % 7) if j % 10 == 7 else "{}",
              ("JP", "US", "DE", "FR")[j % 4], ("Chrome", "Firefox", "Safari")[j % 3], ("Linux", "Android", "iOS")[j % 3],
              ("desktop", "mobile")[j % 2]) for j in range(rum)))
        # The evaluation, RUM and session rollups StoreWriter keeps beside the rows (the same statements as migration 2's
        # backfill; vitals classified with DESIGN.md §5's thresholds).
        db.execute("INSERT INTO rollup_evaluation_minute SELECT start_ns / ?, name, label, COUNT(*), TOTAL(score)"
                   " FROM evaluations GROUP BY 1, 2, 3", (MINUTE_NS,))
        db.execute(
            "INSERT INTO rollup_rum_minute SELECT r.time_ns / ?, r.type, COALESCE(r.name, ''), COUNT(*),"
            " TOTAL(r.value), SUM(CASE WHEN v.n IS NOT NULL AND r.value <= v.g THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN v.n IS NOT NULL AND r.value > v.g AND r.value <= v.p THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN v.n IS NOT NULL AND r.value > v.p THEN 1 ELSE 0 END)"
            " FROM rum_events r LEFT JOIN (SELECT 'LCP' AS n, 2500.0 AS g, 4000.0 AS p UNION ALL"
            " SELECT 'INP', 200.0, 500.0 UNION ALL SELECT 'CLS', 0.1, 0.25 UNION ALL SELECT 'FCP', 1800.0, 3000.0"
            " UNION ALL SELECT 'TTFB', 800.0, 1800.0) v ON r.type = 'vital' AND r.name = v.n AND r.value IS NOT NULL"
            " GROUP BY 1, 2, 3", (MINUTE_NS,))
        db.execute("INSERT OR IGNORE INTO rollup_rum_session_hour SELECT DISTINCT time_ns / 3600000000000,"
                   " session_id FROM rum_events WHERE type = 'view'")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def counts(db_path: Path) -> tuple[int, int]:
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return (db.execute("SELECT COUNT(*) FROM chats").fetchone()[0],
                db.execute("SELECT COUNT(*) FROM rum_events").fetchone()[0])
    finally:
        db.close()


def kept_store(path: Path, chats: int, rum: int) -> int | None:
    """The end time (ns) of a store kept with --store when it holds what was asked for, else None."""
    meta_path = Path(str(path) + ".json")
    if not path.exists() or not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        if (meta.get("generator"), meta.get("chats"), meta.get("rum")) != (GENERATOR, chats, rum):
            return None
        if counts(path) != (chats, rum):
            return None
        return int(meta["now_ns"])
    except (ValueError, KeyError, sqlite3.Error):
        return None


def get(port: int, path: str, headers: dict) -> tuple[int, bytes, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    t0 = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - t0) * 1000
    conn.close()
    return response.status, body, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=1_000_000)
    parser.add_argument("--rum", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--store", type=Path,
                        help="keep the generated store here and reuse it when its counts match (see above)")
    parser.add_argument("--draws", type=int, default=5, help="Overview page loads measured in Chromium")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

    password = "bench-password"
    htpasswd = Path(tempfile.mkdtemp()) / "htpasswd"
    hashed = subprocess.run(["openssl", "passwd", "-apr1", password], check=True, capture_output=True, text=True)
    htpasswd.write_text("bench:" + hashed.stdout.strip() + "\n")
    store = args.store.resolve() if args.store else None
    now_ns = kept_store(store, args.chats, args.rum) if store else None
    if store and now_ns is None:
        if store.exists() and not Path(str(store) + ".json").exists():
            sys.exit(f"{store} exists and is not a store this benchmark kept (no {store.name}.json): not replacing it")
        for suffix in ("", "-wal", "-shm", ".json"):
            Path(str(store) + suffix).unlink(missing_ok=True)
    # Retention and the size cap off: the handlers' store maintenance must not prune the generated rows.
    config = config_for("http://127.0.0.1:9", dashboard={"htpasswd_file": str(htpasswd)},
                        storage={"retention_days": 3650, "max_megabytes": 1_000_000})
    stack = Stack(config, env={"KAGAMI_DB": str(store)} if store else None)
    db_path = store or stack.db_path
    try:
        if now_ns is None:
            now_ns = time.time_ns()
            started = time.monotonic()
            generate(db_path, args.chats, args.rum, now_ns)
            how = f"generated in {time.monotonic() - started:.0f} s"
            if store:
                Path(str(store) + ".json").write_text(json.dumps(
                    {"generator": GENERATOR, "chats": args.chats, "rum": args.rum, "now_ns": now_ns}))
        else:
            how = f"reused from {store}, generated {(time.time_ns() - now_ns) / 3.6e12:.1f} h ago"
        size_mb = db_path.stat().st_size / 1e6
        print(f"store: {args.chats:,} chats (3 evaluations each), {args.rum:,} RUM events, 24 h of 5 s samples; "
              f"{size_mb:.0f} MB; {how}")
        print(f"conditions: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start, "
              f"{args.runs} runs per endpoint after 2 warm-up requests")
        auth = {"Authorization": "Basic " + base64.b64encode(f"bench:{password}".encode()).decode()}
        to = now_ns // 1_000_000
        # A newer DashboardAPI may first bring the store's schema up to date (a new index): wait for it.
        deadline = time.monotonic() + 600
        while get(stack.port, f"/obs/api/overview?window=1h&to={to}", auth)[0] != 200:
            assert time.monotonic() < deadline, "DashboardAPI did not answer 200"
            time.sleep(1)
        endpoints = [f"overview?window=24h&to={to}", f"traces?window=24h&to={to}",
                     f"traces?window=24h&to={to}&q=%E5%A4%A9%E6%B0%97&status=error",
                     f"evaluations?window=24h&to={to}", f"infrastructure?window=24h&to={to}", f"rum?window=24h&to={to}",
                     f"trace/{(args.chats // 2):032x}"]
        print(f"{'endpoint (24 h window)':58} {'p50 ms':>8} {'p95 ms':>8} {'bytes':>8}")
        for endpoint in endpoints:
            times = []
            for run in range(args.runs + 2):
                status, body, elapsed = get(stack.port, "/obs/api/" + endpoint, auth)
                assert status == 200, (endpoint, body[:200])
                if run >= 2:  # two warm-up requests (page cache, statement preparation)
                    times.append(elapsed)
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            label = "&".join(part for part in endpoint.split("&") if not part.startswith("to="))
            print(f"{label[:58]:58} {statistics.median(times):8.1f} {p95:8.1f} {len(body):8}")
        assets = sorted((ROOT / "templates" / "assets").glob("dash.*"))
        total = 0
        for asset in assets:
            size = len(gzip.compress(asset.read_bytes(), 9))
            total += size
            print(f"asset {asset.name}: {asset.stat().st_size:,} bytes, {size:,} gzip")
        print(f"dashboard assets total: {total:,} bytes gzip (budget 40 KB)")
        if not args.no_browser:
            from selenium import webdriver
            from selenium.webdriver.chrome.service import Service
            options = webdriver.ChromeOptions()
            options.binary_location = "/usr/bin/chromium"
            for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"):
                options.add_argument(arg)
            driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": auth})
            draws, marked = [], []
            for run in range(args.draws + 1):
                driver.get(f"http://127.0.0.1:{stack.port}/dashboard/?window=24h&to={to}")
                for _ in range(2000):
                    if driver.execute_script("return document.body.dataset.ready"):
                        break
                    time.sleep(0.005)
                # Seen by polling (what a person waits, give or take a poll), and as the page marked it.
                seen, ready, at = driver.execute_script(
                    "return [performance.now(), document.body.dataset.ready, document.body.dataset.readyAt]")
                assert ready == "1", driver.find_element("tag name", "main").text[:200]
                if run:
                    draws.append(seen)
                    if at:
                        marked.append(float(at))
            driver.quit()
            print(f"Overview page fully drawn after navigation (24 h window, median of {len(draws)}): "
                  f"{statistics.median(draws):.0f} ms (max {max(draws):.0f} ms)"
                  + (f"; as the page marks it: {statistics.median(marked):.0f} ms" if marked else ""))
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
