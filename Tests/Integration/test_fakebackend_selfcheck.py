"""Fast self-check of fakebackend.py, so gateway tests can trust their fake.

Run: python -m pytest Tests/Integration/test_fakebackend_selfcheck.py
"""

from __future__ import annotations

import http.client
import json
import select
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

FAKE = Path(__file__).with_name("fakebackend.py")
DEFAULT_MODELS = [
    "tinyllama:latest",
    "granite3.2:2b",
    "echo",
    "fault:500",
    "fault:garbage",
    "fault:slow",
    "fault:cut",
    "fault:hang",
    "fault:trickle",
]
METRIC_KEYS = (
    "total_duration",
    "load_duration",
    "prompt_eval_count",
    "prompt_eval_duration",
    "eval_count",
    "eval_duration",
)


def start_backend(*extra: str) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, str(FAKE), "--port", "0", *extra],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 5)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("READY "):
        proc.kill()
        pytest.fail(f"fakebackend did not become ready (got {line!r})")
    return proc, int(line.split()[1])


class Backend:
    def __init__(self, port: int) -> None:
        self.port = port

    def connect(self, timeout: float = 5) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, str], bytes]:
        conn = self.connect()
        try:
            data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
            conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def get_json(self, path: str) -> Any:
        status, _, data = self.request("GET", path)
        assert status == 200
        return json.loads(data)

    def event_for(self, marker: str) -> dict[str, Any]:
        """The log event of the (single) chat request whose body contains marker."""
        events = [e for e in self.get_json("/_control/log") if marker in json.dumps(e["body"])]
        assert len(events) == 1, events
        return events[0]


@pytest.fixture(scope="module")
def backend() -> Iterator[Backend]:
    proc, port = start_backend("--token-delay-ms", "1", "--slow-seconds", "3")
    try:
        yield Backend(port)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


def chat(model: str, text: str = "hello there", **fields: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], **fields}


def raw_post(port: int, path: str, body: dict[str, Any]) -> socket.socket:
    """Send a POST on a bare socket, for tests that need to hang up mid-response."""
    data = json.dumps(body).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n\r\n".encode()
        + data
    )
    return sock


def read_until(sock: socket.socket, needle: bytes) -> bytes:
    received = b""
    while needle not in received:
        chunk = sock.recv(4096)
        assert chunk, f"connection closed before {needle!r}; got {received!r}"
        received += chunk
    return received


def read_to_eof(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


def decode_chunks(body: bytes) -> tuple[list[bytes], bool]:
    """Split a chunked body into its chunks; also report whether the 0-chunk ended it."""
    chunks = []
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return chunks, True
        chunks.append(body[:size])
        body = body[size + 2 :]
    return chunks, False


def wait_for_outcome(backend: Backend, marker: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        event = backend.event_for(marker)
        if event["outcome"] is not None or time.monotonic() > deadline:
            return event
        time.sleep(0.02)


# ---------------------------------------------------------------------------


def test_health_tags_and_models(backend: Backend) -> None:
    assert backend.get_json("/health") == {"status": "ok"}
    tags = backend.get_json("/api/tags")["models"]
    assert [m["name"] for m in tags] == DEFAULT_MODELS
    assert all(m["model"] == m["name"] and m["size"] > 0 and "details" in m for m in tags)
    models = backend.get_json("/v1/models")
    assert models["object"] == "list"
    assert [m["id"] for m in models["data"]] == DEFAULT_MODELS


def test_ollama_stream_ndjson(backend: Backend) -> None:
    conn = backend.connect()
    conn.request("POST", "/api/chat", body=json.dumps(chat("tinyllama", options={"num_predict": 5})))
    resp = conn.getresponse()
    assert resp.status == 200
    assert resp.getheader("Content-Type") == "application/x-ndjson"
    assert resp.getheader("Transfer-Encoding") == "chunked"
    lines = [json.loads(line) for line in resp.read().splitlines()]
    conn.close()

    *tokens, final = lines
    assert len(tokens) == 5
    assert all(t["done"] is False and t["message"]["role"] == "assistant" for t in tokens)
    assert "".join(t["message"]["content"] for t in tokens) == "tok0 tok1 tok2 tok3 tok4"
    assert final["done"] is True and final["done_reason"] == "length"
    assert final["message"] == {"role": "assistant", "content": ""}
    assert all(isinstance(final[k], int) and final[k] > 0 for k in METRIC_KEYS)
    assert final["eval_count"] == 5
    assert final["total_duration"] >= final["load_duration"] + final["prompt_eval_duration"] + final["eval_duration"]
    assert "tinyllama:latest" in [m["name"] for m in backend.get_json("/api/ps")["models"]]


def test_echo_non_streaming(backend: Backend) -> None:
    status, headers, data = backend.request("POST", "/api/chat", chat("echo", "hi  you", stream=False))
    assert status == 200 and headers["Content-Length"] == str(len(data))
    reply = json.loads(data)
    assert reply["message"]["content"] == "echo: hi  you"
    assert reply["done"] is True and reply["done_reason"] == "stop" and reply["eval_count"] == 3


def test_openai_stream_sse(backend: Backend) -> None:
    body = chat("granite3.2:2b", stream=True, max_tokens=4, stream_options={"include_usage": True})
    status, headers, data = backend.request("POST", "/v1/chat/completions", body)
    assert status == 200 and headers["Content-Type"] == "text/event-stream"
    events = data.decode().split("\n\n")
    assert events[-1] == ""  # every event ends with a blank line
    payloads = [e.removeprefix("data: ") for e in events[:-1]]
    assert all(e.startswith("data: ") for e in events[:-1])
    assert payloads[-1] == "[DONE]"

    chunks = [json.loads(p) for p in payloads[:-1]]
    tokens, finish, usage = chunks[:-2], chunks[-2], chunks[-1]
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == "granite3.2:2b" for c in chunks)
    assert "".join(c["choices"][0]["delta"]["content"] for c in tokens) == "tok0 tok1 tok2 tok3"
    assert all(c["choices"][0]["finish_reason"] is None for c in tokens)
    assert finish["choices"] == [{"index": 0, "delta": {}, "finish_reason": "length"}]
    assert usage["choices"] == []
    prompt_tokens = usage["usage"]["prompt_tokens"]
    assert prompt_tokens > 0
    assert usage["usage"] == {"prompt_tokens": prompt_tokens, "completion_tokens": 4, "total_tokens": prompt_tokens + 4}
    assert set(usage["timings"]) == {"prompt_n", "prompt_ms", "predicted_n", "predicted_ms",
                                     "prompt_per_second", "predicted_per_second", "cache_n"}
    assert usage["timings"]["predicted_n"] == 4


def test_openai_non_streaming(backend: Backend) -> None:
    status, headers, data = backend.request("POST", "/v1/chat/completions", chat("echo", "ping"))
    assert status == 200 and headers["Content-Type"] == "application/json"
    reply = json.loads(data)
    assert reply["object"] == "chat.completion"
    assert reply["choices"][0]["message"] == {"role": "assistant", "content": "echo: ping"}
    assert reply["choices"][0]["finish_reason"] == "stop"
    assert reply["usage"]["completion_tokens"] == 2 and "timings" in reply


def test_fault_500_on_both_apis(backend: Backend) -> None:
    status, _, data = backend.request("POST", "/api/chat", chat("fault:500"))
    assert status == 500 and json.loads(data) == {"error": "injected failure: model crashed"}
    status, _, data = backend.request("POST", "/v1/chat/completions", chat("fault:500"))
    assert status == 500
    error = json.loads(data)["error"]
    assert error["message"] == "injected failure: model crashed" and error["type"] == "server_error"


def test_bad_json_and_unknown_model(backend: Backend) -> None:
    status, _, data = backend.request("POST", "/api/chat", b"{not json")
    assert status == 400 and "error" in json.loads(data)
    status, _, data = backend.request("POST", "/api/chat", chat("nope"))
    assert status == 404 and json.loads(data) == {"error": 'model "nope" not found, try pulling it first'}


def test_garbage_is_not_json(backend: Backend) -> None:
    status, headers, data = backend.request("POST", "/api/chat", chat("fault:garbage"))
    assert status == 200 and headers["Content-Type"] == "application/x-ndjson"
    assert data == b"<html>garbage</html>\n"


def test_fault_cut_ends_early(backend: Backend) -> None:
    marker = uuid.uuid4().hex
    sock = raw_post(backend.port, "/api/chat", chat("fault:cut", marker))
    received = read_to_eof(sock)
    sock.close()
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Transfer-Encoding: chunked" in head
    chunks, terminated = decode_chunks(body)
    assert not terminated  # closed without the 0-chunk
    lines = [json.loads(c) for c in chunks]
    assert [line["message"]["content"] for line in lines] == ["tok0", " tok1", " tok2"]
    assert not any(line["done"] for line in lines)
    assert backend.event_for(marker)["outcome"] == "fault"

    # Non-streaming: the body stops short of its Content-Length.
    conn = backend.connect()
    conn.request("POST", "/api/chat", body=json.dumps(chat("fault:cut", stream=False)))
    resp = conn.getresponse()
    with pytest.raises(http.client.IncompleteRead):
        resp.read()
    conn.close()


def test_client_closed_logged_for_trickle(backend: Backend) -> None:
    marker = uuid.uuid4().hex
    sock = raw_post(backend.port, "/api/chat", chat("fault:trickle", marker))
    read_until(sock, b"tok0")
    sock.close()
    closed_at = time.monotonic()
    event = wait_for_outcome(backend, marker, timeout=1.5)
    assert event["outcome"] == "client_closed", event
    assert time.monotonic() - closed_at < 1.5


def test_slow_and_hang_notice_a_vanished_client(backend: Backend) -> None:
    # Like a gateway timing out: give up while the backend is stalling.
    slow, hang = uuid.uuid4().hex, uuid.uuid4().hex
    slow_sock = raw_post(backend.port, "/v1/chat/completions", chat("fault:slow", slow))
    hang_sock = raw_post(backend.port, "/v1/chat/completions", chat("fault:hang", hang, stream=True))
    read_until(hang_sock, b"tok1")
    slow_sock.settimeout(0.3)
    with pytest.raises(socket.timeout):  # not even a header byte yet
        slow_sock.recv(1)
    slow_sock.close()
    hang_sock.close()
    assert wait_for_outcome(backend, slow, timeout=1)["outcome"] == "client_closed"
    assert wait_for_outcome(backend, hang, timeout=1)["outcome"] == "client_closed"


def test_keep_alive_connection_is_reused(backend: Backend) -> None:
    conn = backend.connect()
    sockets = []
    for method, path, body in [
        ("POST", "/api/chat", chat("echo")),
        ("POST", "/v1/chat/completions", chat("echo", stream=True)),
        ("POST", "/api/chat", chat("fault:500")),
        ("POST", "/api/chat", chat("echo", stream=False)),
        ("GET", "/api/tags", None),
    ]:
        conn.request(method, path, body=None if body is None else json.dumps(body))
        resp = conn.getresponse()
        resp.read()
        assert not resp.will_close
        sockets.append(conn.sock)
    conn.close()
    assert all(s is sockets[0] for s in sockets)


def test_control_models_changes_tags(backend: Backend) -> None:
    try:
        status, _, _ = backend.request("POST", "/_control/models", {"models": ["alpha:1b", "echo"]})
        assert status == 200
        assert [m["name"] for m in backend.get_json("/api/tags")["models"]] == ["alpha:1b", "echo"]
        status, _, _ = backend.request("POST", "/api/chat", chat("tinyllama"))
        assert status == 404
    finally:
        backend.request("POST", "/_control/models", {"models": DEFAULT_MODELS})
    assert [m["name"] for m in backend.get_json("/api/tags")["models"]] == DEFAULT_MODELS


def test_control_config_and_reset(backend: Backend) -> None:
    try:
        status, _, data = backend.request("POST", "/_control/config", {"slow_seconds": 0.2})
        assert status == 200 and json.loads(data)["slow_seconds"] == 0.2
        started = time.monotonic()
        status, _, _ = backend.request("POST", "/api/chat", chat("fault:slow", stream=False))
        assert status == 200 and 0.2 <= time.monotonic() - started < 2
    finally:
        backend.request("POST", "/_control/config", {"slow_seconds": 3})
    assert backend.request("POST", "/_control/reset", {})[0] == 200
    assert backend.get_json("/_control/log") == []


def test_sigterm_exits_cleanly() -> None:
    proc, _ = start_backend()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(5) == 0
