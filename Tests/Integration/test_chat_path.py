"""The chat path through real nginx and ChatHandler: contract, bad input, backend faults, disconnects."""
import json
import socket
import threading
import time

import pytest

from harness import Stack, config_for, wait_until

ROUTES = [
    {"path": "/chat", "model": "echo", "max_tokens": 64},
    {"path": "/granite", "model": "tokens", "max_tokens": 16},
    {"path": "/broken", "model": "fault:500"},
    {"path": "/garbage", "model": "fault:garbage"},
    {"path": "/cut", "model": "fault:cut"},
    {"path": "/slow", "model": "fault:slow", "timeout_ms": 1500},
    {"path": "/hang", "model": "fault:hang", "idle_timeout_ms": 1000},
    {"path": "/trickle", "model": "fault:trickle", "max_tokens": 200},
    {"path": "/missing", "model": "not-installed:1b", "on_missing_model": "fail"},
    {"path": "/substitute", "model": "not-installed:1b"},
]


@pytest.fixture(scope="module")
def stack(fake_backend):
    fake_backend.control("POST", "/_control/models", {"models": [
        "echo", "tokens", "fault:500", "fault:garbage", "fault:cut", "fault:slow", "fault:hang", "fault:trickle"]})
    s = Stack(config_for(fake_backend.url, routes=ROUTES, limits={"max_message_chars": 2000}))
    yield s
    s.stop()


def error_of(body):
    assert isinstance(body, dict) and "error" in body, body
    assert set(body["error"]) == {"code", "message"} and body["error"]["message"]
    return body["error"]["code"]


# --- the contract -------------------------------------------------------------------------------------


def test_seed_json_reply_keeps_its_keys(stack):
    status, headers, body = stack.chat({"message": "hello there"})
    assert status == 200
    assert body["reply"] == "echo: hello there"
    for key in ("eval_count", "prompt_eval_count", "duration_ms", "trace_id", "request_id"):
        assert key in body
    assert headers["x-request-id"] == body["request_id"]
    assert len(body["trace_id"]) == 32


def test_streaming_sends_tokens_then_done(stack):
    status, headers, events = stack.chat({"message": "one two three"}, stream=True)
    assert status == 200
    assert headers["content-type"].startswith("text/event-stream")
    kinds = [e for e, _ in events]
    assert kinds[-1] == "done" and set(kinds[:-1]) == {"token"} and len(kinds) >= 4
    assert "".join(d["text"] for e, d in events if e == "token") == "echo: one two three"
    done = events[-1][1]
    assert done["eval_count"] > 0 and done["ttft_ms"] is not None and done["trace_id"]


def test_multi_turn_messages_reach_the_backend(stack, fake_backend):
    fake_backend.reset()
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
                {"role": "user", "content": "again"}]
    status, _, body = stack.chat({"messages": messages})
    assert status == 200 and body["reply"] == "echo: again"
    sent = fake_backend.log()[-1]["body"]
    assert sent["messages"] == messages
    assert sent["options"]["num_predict"] == 64  # max_tokens reaches Ollama as num_predict


def test_client_max_tokens_and_route_limit(stack, fake_backend):
    fake_backend.reset()
    status, _, body = stack.chat({"message": "x", "options": {"max_tokens": 5}}, path="/granite")
    assert status == 200 and body["eval_count"] == 5 and body["done_reason"] == "length"
    status, _, body = stack.chat({"message": "x", "options": {"max_tokens": 17}}, path="/granite")
    assert status == 400 and "max_tokens" in body["error"]["message"]


def test_traceparent_from_the_browser_is_kept(stack):
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    status, _, body = stack.chat({"message": "t"}, headers={"traceparent": f"00-{trace}-00f067aa0ba902b7-01"})
    assert status == 200 and body["trace_id"] == trace
    status, _, body = stack.chat({"message": "t"}, headers={"traceparent": "00-zzzz-bad-01"})
    assert status == 200 and body["trace_id"] != trace and len(body["trace_id"]) == 32


def test_missing_model_substitution_and_failure(stack):
    status, _, body = stack.chat({"message": "x"}, path="/substitute")
    assert status == 200 and body["model"] != "not-installed:1b"
    status, _, body = stack.chat({"message": "x"}, path="/missing")
    assert status == 404 and error_of(body) == "model_not_found"
    assert "not-installed:1b" in body["error"]["message"]


# --- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize("body,headers,status,code", [
    ("{not json", {"Content-Type": "application/json"}, 400, "invalid_json"),
    ('{"message": "hi"}', {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
    ('{"message": "hi"}', {}, 415, "unsupported_media_type"),
    ('{"message": "   \\n\\t "}', {"Content-Type": "application/json"}, 400, "empty_message"),
    ('{"message": ""}', {"Content-Type": "application/json"}, 400, "empty_message"),
    ('{"message": 42}', {"Content-Type": "application/json"}, 400, "invalid_json"),
    ('{"mesage": "typo"}', {"Content-Type": "application/json"}, 400, "unknown_field"),
    ('[1,2]', {"Content-Type": "application/json"}, 400, "invalid_json"),
    ('{"messages": [{"role": "root", "content": "x"}]}', {"Content-Type": "application/json"}, 400, "invalid_field"),
    ('{"messages": []}', {"Content-Type": "application/json"}, 400, "empty_message"),
    ('', {"Content-Type": "application/json"}, 400, "empty_body"),
])
def test_bad_bodies_get_a_json_reason(stack, body, headers, status, code):
    got, response_headers, data = stack.request("POST", "/chat", body, headers)
    assert got == status
    assert response_headers["content-type"] == "application/json"
    assert error_of(json.loads(data)) == code


def test_invalid_utf8(stack):
    status, _, data = stack.request("POST", "/chat", b'{"message": "\xff\xfe bad"}',
                                    {"Content-Type": "application/json"})
    assert status == 400 and error_of(json.loads(data)) == "invalid_utf8"


def test_message_over_the_limit(stack):
    status, _, body = stack.chat({"message": "a" * 2001})
    assert status == 413 and error_of(body) == "message_too_long"


def test_body_over_nginx_limit_is_json_413(stack):
    status, headers, data = stack.request("POST", "/chat", b'{"message":"' + b"a" * 70000 + b'"}',
                                          {"Content-Type": "application/json"})
    assert status == 413 and headers["content-type"] == "application/json"
    assert error_of(json.loads(data)) == "body_too_large"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_wrong_method(stack, method):
    status, headers, data = stack.request(method, "/chat", None)
    assert status == 405 and headers.get("allow") == "POST"
    assert error_of(json.loads(data)) == "method_not_allowed"


def test_unknown_route_is_not_forwarded(stack):
    status, _, _ = stack.request("POST", "/nope", "{}", {"Content-Type": "application/json"})
    assert status == 404


def test_huge_header_is_rejected_and_handler_survives(stack):
    status, _, _ = stack.request("POST", "/chat", '{"message":"x"}',
                                 {"Content-Type": "application/json", "X-Big": "a" * 20000})
    assert status in (400, 431, 494)
    assert stack.chat({"message": "still alive"})[0] == 200


# --- backend faults ---------------------------------------------------------------------------------


def test_backend_500_is_502_with_its_message(stack):
    status, _, body = stack.chat({"message": "x"}, path="/broken")
    assert status == 502 and error_of(body) == "backend_error"
    assert "injected failure" in body["error"]["message"]


def test_backend_garbage_is_502(stack):
    for stream in (False, True):
        status, _, body = stack.chat({"message": "x"}, path="/garbage", stream=stream)
        assert status == 502 and error_of(body) == "backend_malformed"


def test_backend_silent_is_504(stack):
    started = time.monotonic()
    status, _, body = stack.chat({"message": "x"}, path="/slow")
    assert status == 504 and error_of(body) == "backend_timeout"
    assert time.monotonic() - started < 10


def test_backend_idle_mid_stream_ends_with_error_event(stack):
    status, _, events = stack.chat({"message": "x"}, path="/hang", stream=True)
    assert status == 200
    assert [e for e, _ in events][:2] == ["token", "token"]
    assert events[-1][0] == "error" and events[-1][1]["error"]["code"] == "backend_timeout"


def test_stream_cut_mid_answer(stack):
    status, _, events = stack.chat({"message": "x"}, path="/cut", stream=True)
    assert status == 200
    kinds = [e for e, _ in events]
    assert kinds.count("token") == 3 and kinds[-1] == "error"
    assert events[-1][1]["error"]["code"] == "backend_stream_cut"
    status, _, body = stack.chat({"message": "x"}, path="/cut")
    assert status == 502 and error_of(body) == "backend_stream_cut"


def test_backend_refusing_connections_is_503():
    s = Stack(config_for("http://127.0.0.1:9"))  # discard port: nothing listens
    try:
        status, headers, body = s.chat({"message": "x"})
        assert status == 503 and error_of(body) == "backend_unavailable"
        assert "retry-after" in headers
    finally:
        s.stop()


def test_browser_disconnect_aborts_backend_within_a_second(stack, fake_backend):
    fake_backend.reset()
    sock = socket.create_connection(("127.0.0.1", stack.port))
    body = b'{"message":"go"}'
    sock.sendall(b"POST /trickle HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Accept: text/event-stream\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    received = b""
    while received.count(b"event: token") < 3:
        received += sock.recv(4096)
    closed_at = time.monotonic()
    sock.close()
    wait_until(lambda: any(e["outcome"] == "client_closed" for e in fake_backend.log()), 3, "backend abort")
    entry = next(e for e in fake_backend.log() if e["outcome"] == "client_closed")
    assert entry["ended"] is not None
    assert time.monotonic() - closed_at < 3
    # The handler noticed within a second of the close (the backend's own clock marks its end).
    assert stack.chat({"message": "after"})[0] == 200


def test_burst_of_requests_keeps_the_handler_serving(stack):
    results = []

    def one():
        try:
            results.append(stack.chat({"message": "burst"}, timeout=60)[0])
        except Exception as error:  # noqa: BLE001 - counted below
            results.append(repr(error))

    threads = [threading.Thread(target=one) for _ in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r in (200, 429, 503) for r in results), set(map(str, results))
    assert results.count(200) > 0
    assert stack.handler_alive()
    assert stack.chat({"message": "after the burst"})[0] == 200
