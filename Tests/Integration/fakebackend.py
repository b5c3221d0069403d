#!/usr/bin/env python3
"""Scripted, fault-injecting fake LLM backend for Kagami's integration tests.

One process speaks both wire APIs the gateway talks to:

* Ollama's native API: ``GET /api/tags``, ``GET /api/ps``, ``POST /api/chat``
  (NDJSON streaming, ``stream`` defaults to true);
* the OpenAI-compatible API: ``GET /v1/models``, ``POST /v1/chat/completions``
  (SSE streaming, ``stream`` defaults to false, llama-server style ``timings``).

Replies are deterministic so tests can assert on them exactly:

* ``echo`` answers ``"echo: " + <last user message>``, one word per token;
* any other normal model answers ``"tok0 tok1 ..."``, ``num_predict`` /
  ``max_tokens`` tokens (8 when the request sets no limit).

Models named ``fault:<kind>`` misbehave the same way on both APIs:

* ``fault:500``     HTTP 500 with the API's error body;
* ``fault:garbage`` HTTP 200 with the normal content type but a non-JSON body;
* ``fault:slow``    waits ``--slow-seconds`` before sending any header byte;
* ``fault:cut``     3 tokens, then the TCP connection is closed without the
                    final chunk (non-streaming: a short body under a larger
                    Content-Length);
* ``fault:hang``    headers and 2 tokens, then silence for ``--slow-seconds``;
* ``fault:trickle`` a long stream (200 tokens by default) at 200 ms per token,
                    for client-disconnect tests.

Test control endpoints (not part of either real API):

* ``GET /health``                 ``{"status": "ok"}``
* ``POST /_control/models``       ``{"models": [...]}`` replaces the model list
* ``GET|POST /_control/config``   read/change ``token_delay_ms``, ``slow_seconds``
* ``GET /_control/log``           one event per chat request (see ``open_event``)
* ``POST /_control/reset``        clears the log

Every chat request is logged with an ``outcome``: ``completed`` (a normal model
answered in full), ``fault`` (a fault model did its thing to the end),
``client_closed`` (the peer went away first; this is how tests check that the
gateway aborted a backend transfer), ``rejected`` (400/404) or ``error`` (a bug
in this file).  While a request is still running its ``ended`` and ``outcome``
are null.

Usage::

    python3 fakebackend.py --port 0 [--host 127.0.0.1] [--models a,b,c]
                           [--token-delay-ms 5] [--slow-seconds 60] [--verbose]

Once listening it prints ``READY <port>`` on stdout.  Python 3.11 stdlib only.
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import re
import select
import signal
import socket
import socketserver
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

DEFAULT_MODELS = (
    "tinyllama:latest",
    "granite3.2:2b",
    "echo",
    "fault:500",
    "fault:garbage",
    "fault:slow",
    "fault:cut",
    "fault:hang",
    "fault:trickle",
)
FAULT_PREFIX = "fault:"
FAULT_KINDS = frozenset({"500", "garbage", "slow", "cut", "hang", "trickle"})

DEFAULT_REPLY_TOKENS = 8
TRICKLE_REPLY_TOKENS = 200
TRICKLE_TOKEN_DELAY = 0.2  # seconds
CUT_AFTER_TOKENS = 3
HANG_AFTER_TOKENS = 2
# Synthetic prompt-processing speed used for the prompt_eval metrics (the fake
# does no real prompt work, but gateways display tokens/s, so keep it plausible).
PROMPT_NS_PER_TOKEN = 40_000

MODEL_SIZE = 123
PS_EXPIRES_AT = "2026-12-04T10:00:00Z"
MODIFIED_AT = "2025-01-01T00:00:00Z"
CRASH_MESSAGE = "injected failure: model crashed"
GARBAGE_BODY = b"<html>garbage</html>\n"


class ClientGone(ConnectionError):
    """The peer closed its end while we were still answering."""


class BadRequest(ValueError):
    """The request body is not a chat request we can answer (HTTP 400)."""


# --------------------------------------------------------------------------
# Shared state
# --------------------------------------------------------------------------


@dataclass
class Settings:
    token_delay: float  # seconds between streamed tokens
    slow_seconds: float  # how long fault:slow / fault:hang stall


class BackendState:
    """Model list, "loaded" models and the request log, shared by all handler threads."""

    def __init__(self, models: list[str], settings: Settings) -> None:
        self._lock = threading.Lock()
        self._models = list(models)
        self._loaded: dict[str, None] = {}  # insertion-ordered set
        self._log: list[dict[str, Any]] = []
        self._next_id = 1
        self._settings = settings

    # models -----------------------------------------------------------------

    def models(self) -> list[str]:
        with self._lock:
            return list(self._models)

    def set_models(self, names: list[str]) -> None:
        with self._lock:
            self._models = list(dict.fromkeys(names))
            # A model that no longer exists cannot stay loaded.
            self._loaded = {n: None for n in self._loaded if n in self._models}

    def resolve(self, name: str) -> str | None:
        """Map a requested name onto the model list, as Ollama does (``x`` means ``x:latest``)."""
        with self._lock:
            if name in self._models:
                return name
            if ":" not in name and f"{name}:latest" in self._models:
                return f"{name}:latest"
            return None

    def mark_loaded(self, name: str) -> None:
        with self._lock:
            self._loaded[name] = None

    def unload(self, name: str) -> None:
        with self._lock:
            self._loaded.pop(name, None)

    def loaded(self) -> list[str]:
        with self._lock:
            return list(self._loaded)

    # settings ---------------------------------------------------------------

    def settings(self) -> Settings:
        with self._lock:
            return Settings(self._settings.token_delay, self._settings.slow_seconds)

    def update_settings(self, token_delay: float | None, slow_seconds: float | None) -> None:
        with self._lock:
            if token_delay is not None:
                self._settings.token_delay = token_delay
            if slow_seconds is not None:
                self._settings.slow_seconds = slow_seconds

    # request log ------------------------------------------------------------

    def open_event(self, path: str, model: Any, stream: bool | None, body: Any) -> dict[str, Any]:
        with self._lock:
            event = {
                "id": self._next_id,
                "path": path,
                "model": model,
                "stream": stream,
                "body": body,
                "started": time.time(),
                "ended": None,
                "outcome": None,
                "status": None,
            }
            # Ids keep counting across resets so a stale id can never be confused
            # with a new request.
            self._next_id += 1
            self._log.append(event)
            return event

    def close_event(self, event: dict[str, Any], outcome: str, status: int | None) -> None:
        with self._lock:
            event.update(ended=time.time(), outcome=outcome, status=status)

    def log_snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._log]

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()


# --------------------------------------------------------------------------
# Scripted replies and metrics
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatRequest:
    model: str  # as requested; replies echo it back like the real servers
    messages: list[Any]
    stream: bool
    limit: int | None  # num_predict / max_tokens, None when unset
    include_usage: bool = False  # OpenAI stream_options.include_usage
    unload_after: bool = False  # Ollama keep_alive of zero


@dataclass(frozen=True)
class Reply:
    tokens: list[str]
    finish_reason: str  # "stop" | "length"
    prompt_tokens: int

    @property
    def text(self) -> str:
        return "".join(self.tokens)


@dataclass(frozen=True)
class Turn:
    """Everything a dialect needs to frame one answer."""

    request: ChatRequest
    request_id: int
    created: int  # unix seconds, shared by all chunks of one completion


def message_text(message: Any) -> str:
    """The text of one chat message; OpenAI allows a list of content parts."""
    if not isinstance(message, dict):
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def split_tokens(text: str) -> list[str]:
    # Leading whitespace stays on each word (as real tokenizers do), so joining
    # the tokens gives back the text exactly.
    return re.findall(r"\s*\S+|\s+", text)


def count_prompt_tokens(messages: list[Any]) -> int:
    # Words and punctuation, plus a few tokens of chat template per message.
    words = sum(len(re.findall(r"\w+|[^\w\s]", message_text(m))) for m in messages)
    return words + 4 * len(messages) + 1


def plan_reply(model: str, fault: str | None, request: ChatRequest) -> Reply:
    prompt_tokens = count_prompt_tokens(request.messages)
    if model in ("echo", "echo:latest"):
        users = [m for m in request.messages if isinstance(m, dict) and m.get("role") == "user"]
        tokens = split_tokens("echo: " + (message_text(users[-1]) if users else ""))
        if request.limit is not None and request.limit < len(tokens):
            return Reply(tokens[: request.limit], "length", prompt_tokens)
        return Reply(tokens, "stop", prompt_tokens)

    default = TRICKLE_REPLY_TOKENS if fault == "trickle" else DEFAULT_REPLY_TOKENS
    count = default if request.limit is None else request.limit
    tokens = [f"tok{i}" if i == 0 else f" tok{i}" for i in range(count)]
    # Hitting an explicit limit is "length"; without one the model "chose" to stop.
    return Reply(tokens, "stop" if request.limit is None else "length", prompt_tokens)


@dataclass(frozen=True)
class Metrics:
    """Timings of one answer, in nanoseconds, built so that total >= load + prompt + eval."""

    prompt_tokens: int
    completion_tokens: int
    load_ns: int
    prompt_ns: int
    eval_ns: int
    total_ns: int

    @classmethod
    def measure(cls, reply: Reply, sent_tokens: int, received_ns: int, gen_start_ns: int) -> Metrics:
        now = time.monotonic_ns()
        # "Loading" is everything before generation started (a fault:slow stall
        # shows up here, like a cold model load would).
        load_ns = max(gen_start_ns - received_ns, 1_000)
        prompt_ns = reply.prompt_tokens * PROMPT_NS_PER_TOKEN
        eval_ns = max(now - gen_start_ns, 1_000)
        return cls(
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=sent_tokens,
            load_ns=load_ns,
            prompt_ns=prompt_ns,
            eval_ns=eval_ns,
            total_ns=load_ns + prompt_ns + eval_ns,
        )

    def ollama(self) -> dict[str, int]:
        return {
            "total_duration": self.total_ns,
            "load_duration": self.load_ns,
            "prompt_eval_count": self.prompt_tokens,
            "prompt_eval_duration": self.prompt_ns,
            "eval_count": self.completion_tokens,
            "eval_duration": self.eval_ns,
        }

    def usage(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }

    def timings(self) -> dict[str, float | int]:
        prompt_ms = self.prompt_ns / 1e6
        predicted_ms = self.eval_ns / 1e6
        return {
            "prompt_n": self.prompt_tokens,
            "prompt_ms": round(prompt_ms, 3),
            "predicted_n": self.completion_tokens,
            "predicted_ms": round(predicted_ms, 3),
            "prompt_per_second": round(self.prompt_tokens / (prompt_ms / 1e3), 3),
            "predicted_per_second": round(self.completion_tokens / (predicted_ms / 1e3), 3),
            "cache_n": 0,
        }


# --------------------------------------------------------------------------
# Wire dialects: same scripted reply, different framing
# --------------------------------------------------------------------------


def parse_limit(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{field} must be an integer")
    # Ollama uses -1 (infinite) and -2 (fill context) for "no limit".
    return value if value >= 0 else None


def parse_stream(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise BadRequest("stream must be a boolean")
    return value


def is_zero_duration(value: Any) -> bool:
    """Whether an Ollama keep_alive means "unload right after this request"."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value == 0
    return isinstance(value, str) and re.fullmatch(r"0+(\.0*)?(ns|us|µs|ms|s|m|h)?", value) is not None


def parse_common(body: Any) -> tuple[dict[str, Any], str]:
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequest("model is required")
    return body, model


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def dump(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


class OllamaDialect:
    name = "ollama"

    def parse(self, body: Any) -> ChatRequest:
        body, model = parse_common(body)
        messages = body.get("messages") or []
        if not isinstance(messages, list):
            raise BadRequest("messages must be a list")
        options = body.get("options") or {}
        if not isinstance(options, dict):
            raise BadRequest("options must be an object")
        return ChatRequest(
            model=model,
            messages=messages,
            stream=parse_stream(body.get("stream"), default=True),
            limit=parse_limit(options.get("num_predict"), "options.num_predict"),
            unload_after=is_zero_duration(body.get("keep_alive")),
        )

    def error_body(self, message: str, kind: str) -> dict[str, Any]:
        return {"error": message}

    def content_type(self, stream: bool) -> str:
        return "application/x-ndjson" if stream else "application/json; charset=utf-8"

    def _message(self, turn: Turn, content: str) -> dict[str, Any]:
        return {
            "model": turn.request.model,
            "created_at": now_rfc3339(),
            "message": {"role": "assistant", "content": content},
        }

    def token_frame(self, turn: Turn, token: str) -> bytes:
        return dump({**self._message(turn, token), "done": False}) + b"\n"

    def closing_frames(self, turn: Turn, reply: Reply, metrics: Metrics) -> list[bytes]:
        final = {**self._message(turn, ""), "done": True, "done_reason": reply.finish_reason, **metrics.ollama()}
        return [dump(final) + b"\n"]

    def whole(self, turn: Turn, reply: Reply, metrics: Metrics) -> dict[str, Any]:
        return {**self._message(turn, reply.text), "done": True, "done_reason": reply.finish_reason, **metrics.ollama()}

    def load_reply(self, turn: Turn, unload: bool) -> dict[str, Any]:
        # Ollama answers a chat request without messages by (un)loading the model.
        return {**self._message(turn, ""), "done_reason": "unload" if unload else "load", "done": True}


class OpenAIDialect:
    name = "openai"

    def parse(self, body: Any) -> ChatRequest:
        body, model = parse_common(body)
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequest("messages must be a non-empty list")
        options = body.get("stream_options") or {}
        if not isinstance(options, dict):
            raise BadRequest("stream_options must be an object")
        limit = body.get("max_tokens", body.get("max_completion_tokens"))
        return ChatRequest(
            model=model,
            messages=messages,
            stream=parse_stream(body.get("stream"), default=False),
            limit=parse_limit(limit, "max_tokens"),
            include_usage=options.get("include_usage") is True,
        )

    def error_body(self, message: str, kind: str) -> dict[str, Any]:
        return {"error": {"message": message, "type": kind, "param": None, "code": None}}

    def content_type(self, stream: bool) -> str:
        return "text/event-stream" if stream else "application/json"

    def _envelope(self, turn: Turn, obj: str) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-{turn.request_id}",
            "object": obj,
            "created": turn.created,
            "model": turn.request.model,
        }

    def _event(self, payload: dict[str, Any]) -> bytes:
        return b"data: " + dump(payload) + b"\n\n"

    def token_frame(self, turn: Turn, token: str) -> bytes:
        choice = {"index": 0, "delta": {"content": token}, "finish_reason": None}
        return self._event({**self._envelope(turn, "chat.completion.chunk"), "choices": [choice]})

    def closing_frames(self, turn: Turn, reply: Reply, metrics: Metrics) -> list[bytes]:
        chunk = self._envelope(turn, "chat.completion.chunk")
        frames = [self._event({**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": reply.finish_reason}]})]
        if turn.request.include_usage:
            frames.append(self._event({**chunk, "choices": [], "usage": metrics.usage(), "timings": metrics.timings()}))
        frames.append(b"data: [DONE]\n\n")
        return frames

    def whole(self, turn: Turn, reply: Reply, metrics: Metrics) -> dict[str, Any]:
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": reply.text},
            "finish_reason": reply.finish_reason,
        }
        return {
            **self._envelope(turn, "chat.completion"),
            "choices": [choice],
            "usage": metrics.usage(),
            "timings": metrics.timings(),
        }


Dialect = OllamaDialect | OpenAIDialect
OLLAMA = OllamaDialect()
OPENAI = OpenAIDialect()


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------


def model_entry(name: str) -> dict[str, Any]:
    family = re.split(r"[:.\d]", name, maxsplit=1)[0] or name
    return {
        "name": name,
        "model": name,
        "modified_at": MODIFIED_AT,
        "size": MODEL_SIZE,
        "digest": hashlib.sha256(name.encode()).hexdigest(),
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": family,
            "families": [family],
            "parameter_size": "1B",
            "quantization_level": "Q4_0",
        },
    }


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so keep-alive clients (libcurl) reuse connections; that is why
    # every response must be framed exactly (Content-Length or chunked).
    protocol_version = "HTTP/1.1"
    server_version = "fakebackend/1.0"
    server: FakeBackendServer
    # TCP_NODELAY, as Ollama (Go) and llama-server set it: without it each small token chunk can wait for the
    # client's delayed ACK (~40 ms), and chat timings in tests turn bimodal on the machine's whims.
    disable_nagle_algorithm = True

    _status: int | None = None

    @property
    def state(self) -> BackendState:
        return self.server.state

    def version_string(self) -> str:
        return self.server_version  # without the "Python/3.x" suffix

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        if self.server.verbose:
            super().log_message(format, *args)

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = code  # remembered for the request log
        super().send_response(code, message)

    # routing ------------------------------------------------------------------

    def _route(self) -> str:
        path = urlsplit(self.path).path
        return path.rstrip("/") or "/"

    def do_GET(self) -> None:
        route = self._route()
        if route == "/":
            self._send_bytes(200, "text/plain; charset=utf-8", b"Ollama is running")
        elif route == "/health":
            self._send_json(200, {"status": "ok"})
        elif route == "/api/tags":
            self._send_json(200, {"models": [model_entry(n) for n in self.state.models()]})
        elif route == "/api/ps":
            self._send_json(200, {"models": [self._ps_entry(n) for n in self.state.loaded()]})
        elif route == "/v1/models":
            data = [{"id": n, "object": "model", "created": 0, "owned_by": "fakebackend"} for n in self.state.models()]
            self._send_json(200, {"object": "list", "data": data})
        elif route == "/_control/log":
            self._send_json(200, self.state.log_snapshot())
        elif route == "/_control/config":
            self._send_json(200, self._config())
        else:
            self._send_json(404, {"error": f"no route for GET {route}"})

    def do_POST(self) -> None:
        route = self._route()
        try:
            raw = self._read_body()
        except ValueError as exc:
            # We cannot tell where this body ends, so the connection is unusable.
            self.close_connection = True
            self._send_json(400, {"error": f"unreadable request body: {exc}"})
            return
        if route == "/api/chat":
            self._chat(OLLAMA, raw)
        elif route == "/v1/chat/completions":
            self._chat(OPENAI, raw)
        elif route == "/_control/models":
            self._control_models(raw)
        elif route == "/_control/config":
            self._control_config(raw)
        elif route == "/_control/reset":
            self.state.reset_log()
            self._send_json(200, {"status": "ok"})
        else:
            self._send_json(404, {"error": f"no route for POST {route}"})

    # plain responses -----------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked_body()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length)

    def _read_chunked_body(self) -> bytes:
        parts = []
        while True:
            size_line = self.rfile.readline(1024)
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                # Skip trailers up to the blank line that ends the body.
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)  # CRLF after the chunk data

    def _send_bytes(self, status: int, content_type: str, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, "application/json; charset=utf-8", dump(obj), headers)

    def _ps_entry(self, name: str) -> dict[str, Any]:
        entry = model_entry(name)
        return {
            "name": name,
            "model": name,
            "size": entry["size"],
            "digest": entry["digest"],
            "details": entry["details"],
            "expires_at": PS_EXPIRES_AT,
            "size_vram": 0,
        }

    def _config(self) -> dict[str, float]:
        settings = self.state.settings()
        return {"token_delay_ms": settings.token_delay * 1000, "slow_seconds": settings.slow_seconds}

    def _control_models(self, raw: bytes) -> None:
        try:
            body = json.loads(raw)
        except ValueError as exc:
            self._send_json(400, {"error": f"invalid JSON body: {exc}"})
            return
        names = body.get("models") if isinstance(body, dict) else None
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            self._send_json(400, {"error": 'expected {"models": ["name", ...]}'})
            return
        self.state.set_models(names)
        self._send_json(200, {"models": self.state.models()})

    def _control_config(self, raw: bytes) -> None:
        try:
            body = json.loads(raw)
            if not isinstance(body, dict):
                raise ValueError("expected a JSON object")
            delay_ms, slow = body.get("token_delay_ms"), body.get("slow_seconds")
            for value in (delay_ms, slow):
                if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
                    raise ValueError("token_delay_ms and slow_seconds must be non-negative numbers")
        except ValueError as exc:
            self._send_json(400, {"error": str(exc)})
            return
        self.state.update_settings(None if delay_ms is None else delay_ms / 1000, slow)
        self._send_json(200, self._config())

    # chat ----------------------------------------------------------------------

    def _chat(self, dialect: Dialect, raw: bytes) -> None:
        received_ns = time.monotonic_ns()
        request: ChatRequest | None = None
        error: str | None = None
        try:
            body = json.loads(raw)
        except ValueError as exc:  # includes UnicodeDecodeError
            body, error = None, f"invalid JSON body: {exc}"
        if error is None:
            try:
                request = dialect.parse(body)
            except BadRequest as exc:
                error = str(exc)

        event = self.state.open_event(
            path=self._route(),
            model=body.get("model") if isinstance(body, dict) else None,
            stream=request.stream if request else None,
            body=body,
        )
        self._status = None
        outcome = "error"
        try:
            if request is None:
                self._send_json(400, dialect.error_body(error or "bad request", "invalid_request_error"))
                outcome = "rejected"
            else:
                turn = Turn(request, event["id"], int(time.time()))
                outcome = self._answer(dialect, turn, received_ns)
        except ConnectionError:  # BrokenPipe, ConnectionReset, ClientGone, ...
            outcome = "client_closed"
            self.close_connection = True
        finally:
            self.state.close_event(event, outcome, self._status)

    def _answer(self, dialect: Dialect, turn: Turn, received_ns: int) -> str:
        request = turn.request
        name = self.state.resolve(request.model)
        if name is None:
            message = f'model "{request.model}" not found, try pulling it first'
            self._send_json(404, dialect.error_body(message, "invalid_request_error"))
            return "rejected"

        kind = name.removeprefix(FAULT_PREFIX) if name.startswith(FAULT_PREFIX) else None
        fault = kind if kind in FAULT_KINDS else None  # unknown fault:* kinds act normal
        settings = self.state.settings()

        if isinstance(dialect, OllamaDialect) and not request.messages:
            if request.unload_after:
                self.state.unload(name)
            else:
                self.state.mark_loaded(name)
            self._send_json(200, dialect.load_reply(turn, request.unload_after))
            return "completed"

        if fault == "500":
            self._send_json(500, dialect.error_body(CRASH_MESSAGE, "server_error"))
            return "fault"
        if fault == "slow":
            self._pause(settings.slow_seconds)

        self.state.mark_loaded(name)
        reply = plan_reply(name, fault, request)
        if request.stream:
            self._stream(dialect, turn, reply, fault, settings, received_ns)
        else:
            self._whole(dialect, turn, reply, fault, settings, received_ns)
        if request.unload_after:
            self.state.unload(name)
        return "fault" if fault else "completed"

    def _token_delay(self, fault: str | None, settings: Settings) -> float:
        return TRICKLE_TOKEN_DELAY if fault == "trickle" else settings.token_delay

    def _stream(
        self, dialect: Dialect, turn: Turn, reply: Reply, fault: str | None, settings: Settings, received_ns: int
    ) -> None:
        self.send_response(200)
        self.send_header("Content-Type", dialect.content_type(stream=True))
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Fake-Request-Id", str(turn.request_id))
        self.end_headers()

        if fault == "garbage":
            self._write_chunk(GARBAGE_BODY)
            self._end_chunks()
            return

        delay = self._token_delay(fault, settings)
        count = len(reply.tokens)
        gen_start_ns = time.monotonic_ns()
        # One extra round (i == count) is the point just before the closing frames,
        # so cut/hang still happen when the reply is shorter than their threshold.
        for i in range(count + 1):
            if fault == "cut" and i == min(CUT_AFTER_TOKENS, count):
                self._drop_connection()
                return
            if fault == "hang" and i == min(HANG_AFTER_TOKENS, count):
                self._pause(settings.slow_seconds)
            if i == count:
                break
            self._pause(delay)
            self._write_chunk(dialect.token_frame(turn, reply.tokens[i]))

        metrics = Metrics.measure(reply, count, received_ns, gen_start_ns)
        for frame in dialect.closing_frames(turn, reply, metrics):
            self._write_chunk(frame)
        self._end_chunks()

    def _whole(
        self, dialect: Dialect, turn: Turn, reply: Reply, fault: str | None, settings: Settings, received_ns: int
    ) -> None:
        content_type = dialect.content_type(stream=False)
        headers = {"X-Fake-Request-Id": str(turn.request_id)}
        if fault == "garbage":
            self._send_bytes(200, content_type, GARBAGE_BODY, headers)
            return

        # "Generate" at the same pace as streaming, so timeouts behave alike.
        gen_start_ns = time.monotonic_ns()
        delay = self._token_delay(fault, settings)
        for _ in reply.tokens:
            self._pause(delay)
        data = dump(dialect.whole(turn, reply, Metrics.measure(reply, len(reply.tokens), received_ns, gen_start_ns)))

        if fault not in ("cut", "hang"):
            self._send_bytes(200, content_type, data, headers)
            return
        # Both faults promise the full Content-Length but deliver only half of it
        # at first: "cut" then closes the connection, "hang" goes quiet.
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        half = len(data) // 2
        self.wfile.write(data[:half])
        if fault == "cut":
            self._drop_connection()
            return
        self._pause(settings.slow_seconds)
        self.wfile.write(data[half:])

    # socket-level helpers ------------------------------------------------------

    def _write_chunk(self, data: bytes) -> None:
        # wfile is unbuffered (StreamRequestHandler.wbufsize == 0): each write is
        # a sendall(), so a peer that went away makes the next token's write fail
        # with BrokenPipe/ConnectionReset instead of hiding in a buffer.
        if data:  # an empty chunk would end the body
            self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))

    def _end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")

    def _drop_connection(self) -> None:
        """Close the TCP connection mid-response, without the body's proper end."""
        self.close_connection = True
        try:
            # A FIN rather than an RST: an RST could make the peer's kernel discard
            # the tokens we did send before the client read them.
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _pause(self, seconds: float) -> None:
        """Sleep, but raise ClientGone as soon as the peer closes the connection.

        Write failures only reveal a vanished peer when we next write; during a
        deliberate stall (fault:slow, fault:hang, non-streaming generation) we
        also watch the socket so the log records ``client_closed`` promptly.
        A client that only half-closes (shutdown(SHUT_WR)) after its request
        counts as gone too; HTTP clients such as libcurl never do that.
        """
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], remaining)
            if not readable:
                continue
            if self._peer_closed():
                raise ClientGone("peer closed the connection")
            # A pipelined next request is waiting; the socket stays readable, so
            # select() is no use any more. Sleep out the rest.
            time.sleep(max(0.0, deadline - time.monotonic()))
            return

    def _peer_closed(self) -> bool:
        try:
            return self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:  # ECONNRESET and friends
            return True


class FakeBackendServer(ThreadingHTTPServer):
    daemon_threads = True
    # server_close() would otherwise join every handler thread, including ones
    # parked in a fault:hang or fault:trickle reply.
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: BackendState, verbose: bool = False) -> None:
        self.state = state
        self.verbose = verbose
        if ipaddress.ip_address(address[0]).version == 6:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind() calls socket.getfqdn(), a reverse DNS lookup
        # that can stall start-up for seconds on sandboxed machines.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Peers hanging up on us is the whole point of some tests; not an error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def loopback_host(host: str) -> str:
    if host == "localhost":
        return "127.0.0.1"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"refusing to bind to non-loopback host {host!r}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Scripted, fault-injecting fake Ollama/OpenAI backend.")
    parser.add_argument("--port", type=int, required=True, help="TCP port; 0 picks a free one")
    parser.add_argument("--host", type=loopback_host, default="127.0.0.1", help="loopback address to bind")
    parser.add_argument(
        "--models",
        type=lambda s: [m.strip() for m in s.split(",") if m.strip()],
        default=",".join(DEFAULT_MODELS),  # argparse runs string defaults through type
        help="comma-separated model list (default: %(default)s)",
    )
    parser.add_argument("--token-delay-ms", type=float, default=5.0, help="pause before each token (default 5)")
    parser.add_argument(
        "--slow-seconds", type=float, default=60.0, help="stall of fault:slow and fault:hang (default 60)"
    )
    parser.add_argument("--verbose", action="store_true", help="log each request on stderr")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error("--port must be within 0..65535")
    if args.token_delay_ms < 0 or args.slow_seconds < 0:
        parser.error("--token-delay-ms and --slow-seconds must not be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    state = BackendState(args.models, Settings(args.token_delay_ms / 1000, args.slow_seconds))
    server = FakeBackendServer((args.host, args.port), state, verbose=args.verbose)

    # serve_forever() runs on a helper thread: shutdown() must be called from a
    # thread other than the serving one, and the main thread is where signals land.
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="serve", daemon=True)
    serving.start()
    print(f"READY {server.server_port}", flush=True)

    stop.wait()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
