"""The RUM script in real headless Chromium, through nginx, ChatHandler and RUMBeacon: a chat, a JS error, a
failed resource, leaving the page; then the store must hold the view, the vitals, the errors with their stacks,
the Send action joined to the chat's trace, the session, and the browser/OS. Also: the script survives a
hostile environment (no PerformanceObserver, no sendBeacon, storage that throws) and honours Global Privacy
Control."""
import json
import sqlite3
import time

import pytest
from selenium.webdriver.common.by import By

from harness import Stack, bin_dir, config_for
from test_browser_chat import Page, make_driver

pytestmark = pytest.mark.skipif(not (bin_dir() / "RUMBeacon").exists(), reason="RUMBeacon not built")

# Records every uncaught error with the file it came from, before any page script runs.
ERROR_RECORDER = """
window.__errors = [];
window.addEventListener('error', (e) => window.__errors.push({file: e.filename || '', message: String(e.message)}), true);
"""
HOSTILE = """
try { delete window.PerformanceObserver; } catch (e) {}
window.PerformanceObserver = undefined;
Object.defineProperty(Navigator.prototype, 'sendBeacon', {value: undefined, configurable: true});
for (const name of ['localStorage', 'sessionStorage']) {
  Object.defineProperty(window, name, {get() { throw new DOMException('storage is disabled', 'SecurityError'); }});
}
"""


def rows(stack, sql, args=()):
    if not stack.db_path.exists():
        return []
    with sqlite3.connect(stack.db_path, timeout=5) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute(sql, args)]


def wait_for(stack, sql, args=(), check=lambda found: bool(found), timeout=10):
    deadline = time.monotonic() + timeout
    found = []
    while time.monotonic() < deadline:
        found = rows(stack, sql, args)
        if check(found):
            return found
        time.sleep(0.1)
    raise AssertionError(f"not in the store within {timeout}s: {sql} {args} → {found}")


@pytest.fixture(scope="module")
def stack(fake_backend):
    s = Stack(config_for(fake_backend.url, routes=[{"path": "/chat", "model": "echo", "max_tokens": 64}],
                         rum={"rate_per_second": 1000, "burst": 1000}))
    yield s
    s.stop()


@pytest.fixture
def driver():
    d = make_driver()
    yield d
    d.quit()


def start(driver, stack, init_script=""):
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ERROR_RECORDER + init_script})
    return Page(driver, f"http://127.0.0.1:{stack.port}/")


def throw_from_page(stack, page, message):
    """Loads a same-origin script that throws `message` (WebDriver's own scripts only give "Script error.")."""
    name = f"throw-{message}.js"
    (stack.home / "site" / "current" / "public" / name).write_text(f"throw new Error('{message}');\n")
    page.js(f"const s = document.createElement('script'); s.src = '/{name}'; document.head.append(s);")


def test_a_real_session_produces_a_complete_set_of_rum_events_joined_to_the_chat(driver, stack):
    page = start(driver, stack)
    session = json.loads(page.js("return localStorage.getItem('kagami.rum.session')"))["id"]
    # A chat through the real page (fake backend), then the user switches the language.
    page.type_and_enter("Hello from the RUM test")
    page.last_metrics()
    page.el("#lang").click()
    page.choose("/chat")
    # A same-origin script that throws (errors from scripts injected by WebDriver are muted as "Script error."),
    # an unhandled rejection, and an image that fails to load.
    (stack.home / "site" / "current" / "public" / "rum-test.js").write_text(
        "function explode() { throw new Error('rum-test-boom'); }\n"
        "setTimeout(explode, 0);\n"
        "Promise.reject(new Error('rum-test-rejection'));\n")
    page.js("const s = document.createElement('script'); s.src = '/rum-test.js'; document.head.append(s);"
            "const img = document.createElement('img'); img.src = '/missing-rum-test.png?secret=1';"
            "document.body.append(img);")
    page.wait(lambda d: len(d.execute_script("return window.__errors")) >= 2)
    time.sleep(0.3)
    driver.get("about:blank")  # leaving the page: pagehide + visibilitychange → sendBeacon

    events = wait_for(stack, "SELECT * FROM rum_events WHERE session_id = ? ORDER BY id", (session,),
                      lambda found: {"view", "vital", "error", "action"} <= {e["type"] for e in found})
    by_type = {}
    for e in events:
        by_type.setdefault(e["type"], []).append(e)

    view = by_type["view"][0]
    attrs = json.loads(view["attributes"])
    assert view["name"] == "/"
    assert 0 <= attrs["ttfb"] <= attrs["dom_interactive"] <= attrs["dom_content_loaded"] <= attrs["load"] < 10_000
    assert 0 < attrs["fcp"] < 10_000 and attrs["nav_type"] == "navigate"

    vitals = {e["name"]: e["value"] for e in by_type["vital"]}
    assert {"LCP", "FCP", "TTFB", "CLS"} <= set(vitals), vitals
    assert 0 < vitals["FCP"] <= vitals["LCP"] < 10_000
    assert 0 <= vitals["TTFB"] < 2_000 and 0 <= vitals["CLS"] < 0.25
    assert "INP" not in vitals or 0 <= vitals["INP"] < 2_000

    errors = {e["name"]: json.loads(e["attributes"]) for e in by_type["error"]}
    assert errors["js"]["message"].endswith("rum-test-boom")
    assert errors["js"]["source"].endswith("/rum-test.js") and errors["js"]["line"] == 1 and errors["js"]["col"] > 1
    assert "explode" in errors["js"]["stack"] and errors["js"]["stack"].count("\n") < 20
    assert errors["promise"]["message"] == "rum-test-rejection"
    assert errors["resource"]["src"].endswith("/missing-rum-test.png")  # no query string
    assert errors["resource"]["tag"] == "img"

    actions = {e["name"]: e for e in by_type["action"]}
    assert {"send", "language", "model_change"} <= set(actions)
    chats = rows(stack, "SELECT trace_id, ttft_ms, duration_ms, status FROM chats")
    assert len(chats) == 1
    send = actions["send"]
    assert send["trace_id"] == chats[0]["trace_id"]  # the traceparent the page sent is the stored trace
    send_attrs = json.loads(send["attributes"])
    assert send_attrs["route"] == "/chat" and send_attrs["status"] == 200 and "error" not in send_attrs
    assert 0 < send_attrs["ttft_painted_ms"] <= send["value"] < 10_000
    joined = rows(stack, "SELECT c.status FROM rum_events r JOIN chats c USING (trace_id) WHERE r.session_id = ?",
                  (session,))
    assert joined == [{"status": 200}]

    for e in events:
        assert e["session_id"] == session and e["view_id"] == view["view_id"]
        assert e["browser"].split()[0] in ("Chrome", "Chromium", "HeadlessChrome"), e["browser"]
        assert e["browser"].split()[-1].isdigit()
        assert e["os"].startswith("Linux")
        assert e["country"] is None  # loopback: no geo, and no error
    # The page itself never saw an error from the RUM script.
    assert not [e for e in driver.execute_script("return window.__errors || []") if e["file"].endswith("/")]


def test_the_script_survives_a_hostile_environment(driver, stack):
    before = rows(stack, "SELECT COUNT(*) AS n FROM rum_events")[0]["n"]
    page = start(driver, stack, HOSTILE)
    throw_from_page(stack, page, "rum-hostile-boom")
    page.wait(lambda d: any("rum-hostile-boom" in e["message"] for e in d.execute_script("return window.__errors")))
    recorded = page.js("return window.__errors")
    # chat.js cannot run without storage; the inline RUM script (whose errors would name the page) threw nothing.
    assert not [e for e in recorded if e["file"].rstrip("/").endswith(str(stack.port))], recorded
    driver.get("about:blank")
    # No sendBeacon: the fetch keepalive fallback delivers; no storage: the session lives in memory.
    found = wait_for(stack, "SELECT * FROM rum_events WHERE id > ? ORDER BY id", (0,),
                     lambda f: len(f) > before and any("rum-hostile-boom" in e["attributes"] for e in f))
    mine = found[before:]
    assert {"view", "error"} <= {e["type"] for e in mine}
    assert "vital" not in {e["type"] for e in mine if e["name"] in ("LCP", "CLS")}  # no PerformanceObserver


def test_global_privacy_control_turns_reporting_off(driver, stack):
    before = rows(stack, "SELECT COUNT(*) AS n FROM rum_events")[0]["n"]
    page = start(driver, stack, "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true});")
    assert page.el("#send").is_enabled()
    throw_from_page(stack, page, "rum-gpc")
    driver.get("about:blank")
    time.sleep(1.5)
    assert rows(stack, "SELECT COUNT(*) AS n FROM rum_events")[0]["n"] == before
