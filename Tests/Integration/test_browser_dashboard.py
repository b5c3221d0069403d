"""The dashboard in real headless Chromium through nginx: every page loads and draws its charts from a seeded
store, filters work, a trace opens from the list and from a RUM action, an XSS payload typed into the chat page
stays inert everywhere, and the pages need the password. Screenshots: Tests/Integration/artifacts/dashboard-*.png."""
import json
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from dashboard_stack import XSS, auth_header, make_stack, seed

ARTIFACTS = Path(__file__).with_name("artifacts")
PAGES = ["index", "traces", "evaluations", "users", "infrastructure"]


def make_driver(width=1280, height=1000, authorized=True, dark=False, lang="en-US"):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", f"--lang={lang}", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    if authorized:
        driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": auth_header()})
    if width < 500:  # a phone: desktop Chromium windows do not get this narrow
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True})
    if dark:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                               {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    return driver


@pytest.fixture(scope="module")
def stack(fake_backend):
    stack = make_stack(fake_backend)
    stack.traces = seed(stack)
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def driver():
    driver = make_driver()
    yield driver
    driver.quit()


def wait(driver, condition, timeout=10):
    return WebDriverWait(driver, timeout, poll_frequency=0.02).until(condition)


def open_page(driver, stack, page, query="", screenshot=None):
    driver.get(f"http://127.0.0.1:{stack.port}/dashboard/{page}.html{query}")
    wait(driver, lambda d: d.execute_script("return document.body.dataset.ready") in ("1", "error"))
    assert driver.execute_script("return document.body.dataset.ready") == "1", driver.find_element(By.TAG_NAME, "main").text
    if screenshot:
        ARTIFACTS.mkdir(exist_ok=True)
        if driver.get_window_size()["width"] >= 500:
            driver.set_window_size(driver.get_window_size()["width"],
                                   max(900, driver.execute_script("return document.body.scrollHeight") + 40))
        driver.save_screenshot(str(ARTIFACTS / f"dashboard-{screenshot}.png"))
    assert not driver.execute_script("return window.__pwned"), "a payload ran"
    assert "pwned" not in driver.title


def drawn_lines(driver):
    return driver.execute_script(
        "return [...document.querySelectorAll('.plot path.line')].filter(p => (p.getAttribute('d')||'').length > 1).length")


def test_chat_page_xss_prompt_then_every_page_draws(stack, driver):
    # Typed by a user into the real chat page: it must reach the dashboard as text.
    driver.get(f"http://127.0.0.1:{stack.port}/")
    box = wait(driver, lambda d: d.find_element(By.ID, "message"))
    box.send_keys(XSS)
    box.send_keys(Keys.ENTER)
    wait(driver, lambda d: d.find_element(By.ID, "send").is_enabled() and
         len(d.find_elements(By.CSS_SELECTOR, ".msg")) >= 2, 20)
    time.sleep(1.5)  # the trace reaches the store off the request thread
    for page in PAGES:
        open_page(driver, stack, page, "?window=1h", screenshot=page)
        if page in ("index", "infrastructure", "evaluations"):
            assert drawn_lines(driver) >= 1, page
        assert not driver.find_elements(By.CSS_SELECTOR, "main img"), page


def test_overview_shows_numbers_and_hover_values(stack, driver):
    open_page(driver, stack, "index", "?window=1h")
    kpis = driver.find_elements(By.CSS_SELECTOR, ".kpi strong")
    assert kpis[0].text.strip() not in ("", "0")
    svg = driver.find_element(By.CSS_SELECTOR, ".plot svg")
    webdriver.ActionChains(driver).move_to_element(svg).perform()
    tip = driver.find_element(By.CSS_SELECTOR, ".tip")
    wait(driver, lambda d: tip.is_displayed() and tip.text)


def test_trace_opens_from_the_list_with_waterfall_and_inert_payload(stack, driver):
    open_page(driver, stack, "traces", "?window=1h&q=" + "onerror")
    rows = driver.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert rows, "the filter found nothing"
    assert all("onerror" in r.text for r in rows)
    rows[0].find_element(By.CSS_SELECTOR, "a").click()
    wait(driver, lambda d: "trace.html" in d.current_url and d.execute_script("return document.body.dataset.ready") == "1")
    bars = driver.find_elements(By.CSS_SELECTOR, ".waterfall .wbar")
    assert len(bars) >= 3
    widths = [b.size["width"] for b in bars]
    assert max(widths) > 100  # to scale: the whole chat spans most of the track
    texts = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "pre.text")]
    assert XSS in texts
    assert drawn_lines(driver) >= 1  # host CPU/memory during the trace
    assert not driver.find_elements(By.CSS_SELECTOR, "main img")
    assert not driver.execute_script("return window.__pwned")
    driver.save_screenshot(str(ARTIFACTS / "dashboard-trace.png"))


def test_filter_form_and_status_filter(stack, driver):
    open_page(driver, stack, "traces", "?window=1h")
    total = len(driver.find_elements(By.CSS_SELECTOR, "tbody tr"))
    driver.find_element(By.ID, "f-status").send_keys("error")
    driver.find_element(By.CSS_SELECTOR, ".filters button[type=submit]").click()
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "tbody tr")) < total)
    assert all("/broken" in r.text for r in driver.find_elements(By.CSS_SELECTOR, "tbody tr"))


def test_trace_opens_from_a_rum_action(stack, driver):
    open_page(driver, stack, "users", "?window=1h")
    assert "IP Geolocation by DB-IP" in driver.find_element(By.CSS_SELECTOR, ".attribution").text
    assert len(driver.find_elements(By.CSS_SELECTOR, ".vital .stack span")) >= 2
    actions = next(c for c in driver.find_elements(By.CSS_SELECTOR, "section.card")
                   if c.find_element(By.TAG_NAME, "h2").text == "Actions")
    cells = [td.text for td in actions.find_elements(By.CSS_SELECTOR, "tbody tr td")]
    status, _, body = stack.request("GET", "/obs/api/rum?window=1h", headers=auth_header())
    exact = json.loads(body)["action_counts"]
    assert status == 200 and exact[0]["name"] == "send" and exact[0]["count"] >= 1
    assert cells[:2] == ["send", str(exact[0]["count"])], cells  # the exact count per action
    assert "counts are exact" in actions.find_element(By.CSS_SELECTOR, ".note").text
    link = driver.find_element(By.CSS_SELECTOR, f"a[href='trace.html?id={stack.traces[XSS]}']")
    link.click()
    wait(driver, lambda d: d.execute_script("return document.body.dataset.ready") == "1" and "trace.html" in d.current_url)
    assert "send" in driver.find_element(By.TAG_NAME, "main").text


def test_to_pins_the_window_on_every_page(stack, driver):
    open_page(driver, stack, "index", "?window=1h&to=1000000000000")
    assert driver.find_elements(By.CSS_SELECTOR, "main .empty")  # 2001: nothing stored then
    links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "nav a")]
    assert links and all(link.endswith("?window=1h&to=1000000000000") for link in links), links
    open_page(driver, stack, "users", "?window=1h&to=1000000000000")
    assert driver.find_elements(By.CSS_SELECTOR, "main .empty")
    open_page(driver, stack, "index", "?window=1h")
    assert not driver.find_elements(By.CSS_SELECTOR, "main .empty")


def test_japanese_dark_phone(stack):
    driver = make_driver(width=390, height=844, dark=True, lang="ja")
    try:
        for page in ("index", "traces"):
            open_page(driver, stack, page, "?window=1h", screenshot=page + "-ja-dark-phone")
        assert "トレース" in driver.find_element(By.TAG_NAME, "h1").text
        assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        driver.quit()


def test_pages_need_the_password(stack):
    driver = make_driver(authorized=False)
    try:
        driver.get(f"http://127.0.0.1:{stack.port}/dashboard/")
        time.sleep(0.5)
        assert "data-page" not in driver.page_source
        assert not driver.execute_script("return document.body && document.body.dataset.ready")
    finally:
        driver.quit()
