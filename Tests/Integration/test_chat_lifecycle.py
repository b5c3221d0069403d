"""Load shedding and process lifecycle: rate limits, queue limits, SIGTERM drain, socket cleanup."""
import json
import resource
import selectors
import signal
import socket
import threading
import time

import pytest

from harness import Stack, config_for, wait_until


def blast(port: int, count: int, path: str = "/chat", body: bytes = b'{"message":"hi"}', timeout: float = 60):
    """Opens `count` connections, sends one POST on each at once, and returns (status, body) per request."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count * 2 + 100)), hard))
    request = (f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nConnection: close\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    for s in socks:
        s.sendall(request)
    selector = selectors.DefaultSelector()
    buffers = {}
    for s in socks:
        s.setblocking(False)
        selector.register(s, selectors.EVENT_READ)
        buffers[s] = b""
    deadline = time.monotonic() + timeout
    open_count = count
    while open_count and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=1):
            chunk = key.fileobj.recv(65536)
            if chunk:
                buffers[key.fileobj] += chunk
            else:
                selector.unregister(key.fileobj)
                key.fileobj.close()
                open_count -= 1
    results = []
    for data in buffers.values():
        head, _, payload = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
        results.append((status, payload))
    return results


def test_a_thousand_requests_at_once_are_shed_with_json_429(fake_backend):
    s = Stack(config_for(fake_backend.url, nginx={"chat_rate_per_minute": 60, "chat_burst": 20}))
    try:
        results = blast(s.port, 1000)
        statuses = [status for status, _ in results]
        assert len(statuses) == 1000 and set(statuses) <= {200, 429, 503}, set(statuses)
        assert statuses.count(429) >= 900
        limited = next(payload for status, payload in results if status == 429)
        assert json.loads(limited)["error"]["code"] == "rate_limited"
        assert s.handler_alive()
    finally:
        s.stop()


def test_full_queue_answers_503_with_retry_after(fake_backend):
    config = config_for(fake_backend.url, routes=[{"path": "/chat", "model": "fault:trickle", "max_tokens": 10}],
                        backends={"default": {"type": "ollama", "url": fake_backend.url,
                                              "max_concurrency": 1, "max_queue": 1}})
    s = Stack(config)
    try:
        results = blast(s.port, 6)
        statuses = sorted(status for status, _ in results)
        assert statuses.count(200) == 2 and statuses.count(503) == 4, statuses
        refused = next(payload for status, payload in results if status == 503)
        assert json.loads(refused)["error"]["code"] == "queue_full"
        status, headers, _ = s.chat({"message": "x"})
        assert status == 200
    finally:
        s.stop()


def test_sigterm_drains_in_flight_chat_and_removes_the_socket(fake_backend):
    s = Stack(config_for(fake_backend.url, routes=[{"path": "/chat", "model": "fault:trickle", "max_tokens": 8}]))
    try:
        outcome = {}

        def slow_chat():
            outcome["result"] = s.chat({"message": "x"}, stream=True)

        worker = threading.Thread(target=slow_chat)
        worker.start()
        time.sleep(0.5)  # the answer takes ~1.6 s: it is in flight now
        handler = s.procs["chat"]
        handler.send_signal(signal.SIGTERM)
        worker.join(timeout=20)
        status, _, events = outcome["result"]
        assert status == 200 and events[-1][0] == "done"
        assert len([e for e, _ in events if e == "token"]) == 8
        assert handler.wait(timeout=10) == 0
        assert not s.socket_path.exists()
    finally:
        s.stop()


def test_handler_restart_is_picked_up_by_nginx(fake_backend):
    s = Stack(config_for(fake_backend.url))
    try:
        s.procs["chat"].send_signal(signal.SIGTERM)
        s.procs["chat"].wait(timeout=10)
        status, headers, body = s.chat({"message": "x"})
        assert status == 503 and body["error"]["code"] == "handler_unavailable"
        s.start_handler()
        assert s.chat({"message": "back"})[0] == 200
    finally:
        s.stop()
