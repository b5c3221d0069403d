"""The chat page in real headless Chromium, through nginx and ChatHandler: streaming, Stop, multi-turn,
keyboard, errors, language, no request off this machine, and one chat with the real bundled model."""
import json
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from harness import Stack, config_for, free_port

ARTIFACTS = Path(__file__).with_name("artifacts")
ROUTES = [
    {"path": "/chat", "model": "echo", "label": "Echo", "max_tokens": 64},
    {"path": "/trickle", "model": "fault:trickle", "label": "Trickle", "max_tokens": 200},
    {"path": "/strict", "model": "missing:1b", "label": "Strict", "on_missing_model": "fail"},
    {"path": "/down", "model": "echo", "label": "Down", "backend": "dead"},
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def make_driver(lang: str = "en-US"):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1000,900", f"--lang={lang}", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class Page:
    """The chat page in one browser, plus every URL it requested (from Chrome's performance log)."""

    def __init__(self, driver, url):
        self.driver, self.url, self.requests = driver, url, []
        driver.get(url)
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete")

    def wait(self, condition, timeout=10):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.02).until(condition)

    def el(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def collect_requests(self):
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"])
        return self.requests

    def choose(self, path):
        self.js("const s = document.getElementById('route'); s.value = arguments[0];"
                "s.dispatchEvent(new Event('change'));", path)

    def type_and_enter(self, text):
        box = self.el("#message")
        box.clear()
        box.send_keys(text)
        box.send_keys(Keys.ENTER)

    def answers(self):
        return self.js("return [...document.querySelectorAll('.msg.assistant .text')].map(e => e.textContent)")

    def last_metrics(self, timeout=15):
        return self.wait(lambda d: d.execute_script(
            "const m = document.querySelectorAll('.msg.assistant:last-child .metrics');"
            "return m.length ? m[0].textContent : null"), timeout)


@pytest.fixture(scope="module")
def stack(fake_backend):
    fake_backend.control("POST", "/_control/models", {"models": ["echo", "fault:trickle"]})
    config = config_for(fake_backend.url, routes=ROUTES, limits={"max_message_chars": 200})
    config["backends"]["dead"] = {"type": "ollama", "url": f"http://127.0.0.1:{free_port()}"}
    s = Stack(config)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def page(stack):
    driver = make_driver()
    p = Page(driver, f"http://127.0.0.1:{stack.port}/")
    yield p
    driver.quit()


def test_picker_lists_routes_with_their_state(page):
    options = page.js("return [...document.querySelectorAll('#route option')].map(o => [o.value, o.disabled, o.text])")
    assert options[0] == ["/chat", False, "Echo"]
    assert options[2] == ["/strict", True, "Strict — unavailable: missing:1b is not installed"]
    assert options[3][1] is False and "did not answer" in options[3][2]
    assert page.driver.execute_script("return document.documentElement.lang") == "en"


def test_empty_message_is_refused_without_a_request(page, fake_backend):
    fake_backend.reset()
    page.type_and_enter("   ")
    assert page.el("#status").text == "Type a message first."
    time.sleep(0.2)
    assert fake_backend.log() == []
    assert page.driver.switch_to.active_element == page.el("#message")


def test_shift_enter_is_a_new_line(page, fake_backend):
    fake_backend.reset()
    box = page.el("#message")
    box.clear()
    box.send_keys("first")
    box.send_keys(Keys.SHIFT, Keys.ENTER)
    box.send_keys("second")
    assert box.get_property("value") == "first\nsecond"
    time.sleep(0.2)
    assert fake_backend.log() == []
    box.clear()


def test_answer_streams_in_and_stop_cancels_the_backend_call(page, fake_backend):
    fake_backend.reset()
    page.choose("/trickle")
    page.type_and_enter("go slowly")
    seen = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(set(seen)) < 4:
        text = (page.answers() or [""])[-1]
        if text and (not seen or text != seen[-1]):
            seen.append(text)
        time.sleep(0.03)
    assert len(set(seen)) >= 4, seen  # the text grew token by token while the answer was still running
    assert all(b.startswith(a) for a, b in zip(seen, seen[1:]))
    assert page.el("#stop").is_enabled() and not page.el("#send").is_enabled()
    assert page.el("#log").get_attribute("aria-busy") == "true"
    page.el("#stop").click()
    page.wait(lambda d: page.el("#send").is_enabled(), 5)
    assert "Stopped." in page.el("#status").text
    # The browser left, so ChatHandler aborted the backend transfer.
    page.wait(lambda d: fake_backend.log() and fake_backend.log()[-1]["outcome"] == "client_closed", 10)
    assert len(page.answers()[-1]) < 200 * 4


def test_multi_turn_conversation_with_metrics_and_trace_context(page, fake_backend, stack):
    page.el("#new").click()
    fake_backend.reset()
    page.choose("/chat")
    page.type_and_enter("hello there")
    metrics = page.last_metrics()
    assert page.answers()[-1] == "echo: hello there"
    assert "total" in metrics and "first token" in metrics and "tokens/s" in metrics and "tokens in" in metrics
    page.type_and_enter("and again")
    page.wait(lambda d: len(page.answers()) == 2 and page.js(
        "return document.querySelectorAll('.msg.assistant .metrics').length") == 2)
    sent = fake_backend.log()[-1]["body"]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"] == "echo: hello there" and sent[2]["content"] == "and again"

    chats = [r for r in page.collect_requests() if r["url"].endswith("/chat") and r["method"] == "POST"]
    headers = {k.lower(): v for k, v in chats[-1]["headers"].items()}
    version, trace_id, span_id, flags = headers["traceparent"].split("-")
    assert (version, flags, len(trace_id), len(span_id)) == ("00", "01", 32, 16)
    body = json.loads(chats[-1]["postData"])
    assert len(body["session_id"]) == 32 and body["messages"][-1]["content"] == "and again"
    turns = json.loads(page.js("return sessionStorage.getItem('kagami.turns')"))
    assert turns[-1]["done"]["trace_id"] == trace_id  # the server kept the page's trace id

    # The conversation survives a reload in the same tab; New chat clears it.
    page.driver.refresh()
    page.wait(lambda d: len(page.answers()) == 2)
    ARTIFACTS.mkdir(exist_ok=True)
    page.driver.save_screenshot(str(ARTIFACTS / "chat-page-fake.png"))
    page.el("#new").click()
    assert page.answers() == [] and page.el("#status").text == "New chat started."


@pytest.mark.parametrize("route, text, expected", [
    ("/down", "hello", "The model server is not reachable."),
    ("/chat", "x" * 300, "Your message is too long (at most 200 characters)."),
])
def test_errors_are_explained_and_the_message_is_given_back(page, route, text, expected):
    page.choose(route)
    page.type_and_enter(text)
    page.wait(lambda d: expected in page.el("#status").text, 10)
    assert "Your message is back in the box." in page.el("#status").text
    assert page.el("#message").get_property("value") == text
    assert page.answers() == []
    page.el("#message").clear()


def test_language_switch_and_keyboard_only_use(page):
    page.choose("/chat")
    page.el("#lang").click()
    assert page.js("return document.documentElement.lang") == "ja"
    assert page.el("#send").text == "送信" and page.el("#lang").text == "English"
    assert page.el("#message").get_attribute("placeholder").startswith("質問を入力")
    assert "利用不可" in page.js("return document.querySelector('#route option[value=\"/strict\"]').text")
    # Keyboard only: Tab from the language switch reaches the picker, then the message box; Enter sends.
    page.el("#lang").send_keys(Keys.TAB)
    assert page.driver.switch_to.active_element.get_attribute("id") == "route"
    page.driver.switch_to.active_element.send_keys(Keys.TAB)
    assert page.driver.switch_to.active_element.get_attribute("id") == "message"
    page.driver.switch_to.active_element.send_keys("こんにちは", Keys.ENTER)
    page.wait(lambda d: page.answers() and page.answers()[-1] == "echo: こんにちは")
    assert "トークン/秒" in page.last_metrics()
    page.el("#lang").click()
    assert page.js("return document.documentElement.lang") == "en"


def test_japanese_browser_gets_japanese_and_a_phone_layout(stack):
    driver = make_driver("ja-JP")
    try:
        driver.set_window_size(390, 844)
        p = Page(driver, f"http://127.0.0.1:{stack.port}/")
        assert p.js("return document.documentElement.lang") == "ja"
        assert p.el("#new").text == "新しい会話"
        assert p.js("return document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
        assert p.el("#send").is_displayed() and p.el("#message").is_displayed()
    finally:
        driver.quit()


def test_no_request_leaves_this_machine_and_no_console_errors(page):
    urls = [r["url"] for r in page.collect_requests()]
    assert any(u.endswith("/chat") for u in urls) and any("/assets/" in u for u in urls)
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme in ("data", "blob") or parts.hostname in LOOPBACK, url
    errors = [e for e in page.driver.get_log("browser") if e["level"] == "SEVERE"
              and "Failed to load resource" not in e["message"]]  # the error tests' 413/503 answers
    assert errors == []


def test_real_model_happy_path(llama):
    s = Stack(config_for(llama.url, backend_type="openai",
                         routes=[{"path": "/chat", "model": llama.ALIAS, "label": "Gemma 3 270M", "max_tokens": 24}]))
    driver = make_driver()
    try:
        p = Page(driver, f"http://127.0.0.1:{s.port}/")
        assert p.js("return document.querySelector('#route option').text") == "Gemma 3 270M"
        p.type_and_enter("Hello! Tell me about mirrors.")
        metrics = p.last_metrics(timeout=60)
        assert p.answers()[-1].strip()
        assert "tokens/s" in metrics and "out 24" in metrics
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "chat-page.png"))
    finally:
        driver.quit()
        s.stop()
