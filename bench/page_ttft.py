#!/usr/bin/env python3
"""Time from pressing Enter to the first answer token painted, in Chromium, against the real bundled model
(llama-server + Gemma 3 270M), compared with the server's own TTFT (ChatHandler's `ttft_ms` in the `done`
event). Target: the page adds <= 10 ms.

Run with the test venv: /root/.cache/kagami/venv/bin/python bench/page_ttft.py [N]
(KAGAMI_BIN: release binaries; needs scripts/prepare-model.sh to have cached the model.)
"""
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "Integration"))

from harness import LlamaServer, Stack, config_for  # noqa: E402
from test_browser_chat import Page, make_driver  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

# Installed in the page before each send: the Enter keydown time (capture phase, before the page's handler)
# and the first frame painted after the answer's text first changed.
PROBE = """
window.__probe = {};
document.getElementById('message').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && window.__probe.enter === undefined) window.__probe.enter = performance.now();
}, {capture: true});
new MutationObserver((records, observer) => {
  const answer = document.querySelector('.msg.assistant:last-child .text');
  if (answer && answer.textContent && window.__probe.text === undefined) {
    window.__probe.text = performance.now();
    requestAnimationFrame(() => { window.__probe.paint = performance.now(); });
    observer.disconnect();
  }
}).observe(document.getElementById('log'), {subtree: true, childList: true, characterData: true});
"""


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    llama = LlamaServer()
    stack = Stack(config_for(llama.url, backend_type="openai",
                             routes=[{"path": "/chat", "model": llama.ALIAS, "max_tokens": 8}]))
    driver = make_driver()
    page_ms, server_ms, added, dom_added = [], [], [], []
    try:
        page = Page(driver, f"http://127.0.0.1:{stack.port}/")
        for i in range(runs + 1):  # the first run warms the model and the connection; not counted
            page.el("#new").click()
            page.js(PROBE)
            page.type_and_enter(f"Question number {i}: what is a mirror?")
            page.last_metrics(timeout=60)
            probe = page.js("return window.__probe")
            server = float(page.js("return document.querySelector('.msg.assistant:last-child .metrics')"
                                   ".dataset.serverTtftMs"))
            if i == 0:
                continue
            page_ttft = probe["paint"] - probe["enter"]
            page_ms.append(page_ttft)
            server_ms.append(server)
            added.append(page_ttft - server)
            dom_added.append(probe["text"] - probe["enter"] - server)
    finally:
        driver.quit()
        stack.stop()
        llama.stop()
    print(f"conditions: headless Chromium, nginx + ChatHandler + llama-server (Gemma 3 270M Q4_K_M, "
          f"{len(page_ms)} runs after 1 warm-up, max_tokens 8), loopback, same 2-core machine")
    print(f"page TTFT (Enter -> first token painted): median {statistics.median(page_ms):.1f} ms")
    print(f"server TTFT (ChatHandler ttft_ms):          median {statistics.median(server_ms):.1f} ms")
    print(f"added by page + browser + nginx hop:        median {statistics.median(added):.1f} ms "
          f"(min {min(added):.1f}, max {max(added):.1f})   target <= 10 ms")
    print(f"  of which before the text is in the DOM:    median {statistics.median(dom_added):.1f} ms "
          f"(the rest is waiting for the next frame, up to 16.7 ms at 60 Hz)")


if __name__ == "__main__":
    main()
