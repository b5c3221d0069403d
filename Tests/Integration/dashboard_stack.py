"""A Kagami stack for the dashboard tests: nginx with basic auth on /dashboard/ and /obs/api/, ChatHandler,
DashboardAPI, a store seeded by real chats (fake backend) plus host/process/residency samples and RUM events
written with sqlite3 into the schema."""
import base64
import json
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

from harness import Stack, config_for, free_port, wait_until

USER = "kagami"
PASSWORD = "test-password-123"
XSS = '<img src=x onerror="document.title=\'pwned\';window.__pwned=1">'
PROMPTS = ["Hello there", "要約して: 今日の天気", XSS, "'; DROP TABLE chats;-- 100%_off", "Email me at a@b.co"]


def auth_header(user: str = USER, password: str = PASSWORD) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def make_stack(fake_backend) -> Stack:
    htpasswd = Path(tempfile.mkdtemp(prefix="kagami-dash-")) / "htpasswd"
    hashed = subprocess.run(["openssl", "passwd", "-apr1", PASSWORD], check=True, capture_output=True,
                            text=True).stdout.strip()
    htpasswd.write_text(f"{USER}:{hashed}\n")
    fake_backend.control("POST", "/_control/models", {"models": ["echo", "fault:500"]})
    config = config_for(
        fake_backend.url,
        routes=[{"path": "/chat", "model": "echo", "max_tokens": 64},
                {"path": "/broken", "model": "fault:500", "max_tokens": 16}],
        masking={"input": "none", "output": "none"},
        dashboard={"htpasswd_file": str(htpasswd)},
        cost={"models": {"echo": {"input_per_million": 1.0, "output_per_million": 2.0}}},
    )
    return Stack(config)


def seed(stack: Stack) -> dict:
    """Chats through nginx (so spans, evaluations and rollups are real), then samples and RUM rows."""
    traces = {}
    for index, prompt in enumerate(PROMPTS):
        status, _, body = stack.chat({"message": prompt, "session_id": f"sess-{index % 2}"})
        assert status == 200, body
        traces[prompt] = body["trace_id"]
    status, _, body = stack.chat({"message": "this one fails"}, path="/broken")
    assert status >= 500
    now_ns = time.time_ns()
    db = sqlite3.connect(stack.db_path, timeout=10)
    wait_until(lambda: db.execute("SELECT COUNT(*) FROM chats").fetchone()[0] >= len(PROMPTS) + 1, 15, "chats stored")
    with db:
        for i in range(0, 900, 5):
            t = now_ns - i * 1_000_000_000
            db.execute("INSERT OR REPLACE INTO host_samples VALUES (?, ?, ?, ?, ?)",
                       (t, 20 + (i % 60), 1_200_000_000 + i * 100_000, 4_000_000_000, 0.4))
            db.execute("INSERT OR REPLACE INTO process_samples VALUES (?, 11, 'llama-server', 'runner', ?, ?)",
                       (t, 15 + (i % 40), 400_000_000))
            db.execute("INSERT OR REPLACE INTO process_samples VALUES (?, 12, 'ChatHandler', 'kagami', 1.5, 20000000)",
                       (t,))
            if i >= 300:  # loaded 15 to 5 minutes ago, then unloaded
                db.execute("INSERT OR REPLACE INTO model_residency VALUES (?, 'default', 'echo', 300000000, 0, NULL)",
                           (t,))
        xss_trace = traces[XSS]
        rum = [
            ("view", "/", None, None, {}), ("vital", "LCP", 1200.0, None, {}), ("vital", "LCP", 4500.0, None, {}),
            ("vital", "INP", 150.0, None, {}), ("vital", "CLS", 0.05, None, {}), ("vital", "TTFB", 900.0, None, {}),
            ("error", "js", None, None, {"message": XSS}), ("error", "js", None, None, {"message": "TypeError: x is undefined"}),
            ("action", "send", 850.0, xss_trace, {}),
        ]
        for n, (kind, name, value, trace_id, attrs) in enumerate(rum):
            db.execute(
                "INSERT INTO rum_events (time_ns, session_id, view_id, type, name, trace_id, value, attributes, country,"
                " browser, os, device) VALUES (?, ?, 'v1', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (now_ns - n * 1_000_000_000, f"rs-{n % 3}", kind, name, trace_id, value, json.dumps(attrs),
                 "JP" if n % 2 else XSS, "Chrome", "Linux", "desktop"))
            # The per-minute rollup StoreWriter keeps beside the row (vitals classified per DESIGN.md §5).
            good, poor = {"LCP": (2500, 4000), "INP": (200, 500), "CLS": (0.1, 0.25), "FCP": (1800, 3000),
                          "TTFB": (800, 1800)}.get(name if kind == "vital" else None, (None, None))
            rating = None if good is None or value is None else 0 if value <= good else 1 if value <= poor else 2
            db.execute(
                "INSERT INTO rollup_rum_minute VALUES (?, ?, ?, 1, ?, ?, ?, ?) ON CONFLICT(minute, type, name) DO"
                " UPDATE SET count = count + 1, value_sum = value_sum + excluded.value_sum,"
                " good = good + excluded.good, needs_improvement = needs_improvement + excluded.needs_improvement, poor = poor + excluded.poor",
                ((now_ns - n * 1_000_000_000) // 60_000_000_000, kind, name or "", value or 0.0, int(rating == 0),
                 int(rating == 1), int(rating == 2)))
            if kind == "view":  # and the sessions-with-a-view rollup
                db.execute("INSERT OR IGNORE INTO rollup_rum_session_hour VALUES (?, ?)",
                           ((now_ns - n * 1_000_000_000) // 3_600_000_000_000, f"rs-{n % 3}"))
    db.close()
    return traces
