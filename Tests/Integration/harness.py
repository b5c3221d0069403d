"""Starts real Kagami stacks for the integration tests: nginx + ChatHandler (+ a model server).

Everything runs on loopback, under a temporary KAGAMI_HOME, with the release binaries that
scripts/build.sh produced (KAGAMI_BIN overrides where they are).
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("KAGAMI_CACHE", Path.home() / ".cache" / "kagami"))


def bin_dir() -> Path:
    if os.environ.get("KAGAMI_BIN"):
        return Path(os.environ["KAGAMI_BIN"])
    out = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready within {timeout}s")


def http_ok(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status < 500
    finally:
        conn.close()


class FakeBackend:
    """The scripted fault-injecting backend (fakebackend.py) as a subprocess."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("fakebackend.py")), "--port", "0", *args],
            stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("READY "), f"fake backend did not start: {line!r}"
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def control(self, method: str, path: str, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return json.loads(data) if data else None

    def log(self) -> list[dict]:
        return self.control("GET", "/_control/log")

    def reset(self):
        self.control("POST", "/_control/reset")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class LlamaServer:
    """The real bundled model: llama-server with Gemma 3 270M from the cache (scripts/prepare-model.sh)."""

    ALIAS = "gemma3:270m"

    def __init__(self):
        binary = CACHE / "bin" / "llama-server"
        model = CACHE / "models" / "gemma-3-270m-q4_k_m.gguf"
        if not binary.exists() or not model.exists():
            raise RuntimeError("run scripts/prepare-model.sh first (llama-server and the model are cached there)")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_file = tempfile.NamedTemporaryFile(prefix="llama-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [str(binary), "-m", str(model), "--host", "127.0.0.1", "--port", str(self.port),
             "--alias", self.ALIAS, "--metrics", "-c", "4096", "-t", str(os.cpu_count() or 2)],
            stdout=self.log_file, stderr=subprocess.STDOUT)
        wait_until(lambda: http_ok(self.port, "/health") and self._healthy(), 90, "llama-server", 0.25)

    def _healthy(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        conn.request("GET", "/health")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Stack:
    """nginx + ChatHandler for one configuration, in a temporary KAGAMI_HOME."""

    def __init__(self, config: dict, env: dict | None = None, handler_args: list[str] | None = None):
        self.bin = bin_dir()
        self.home = Path(tempfile.mkdtemp(prefix="kagami-test-"))
        for sub in ("run", "logs", "site/public", "nginx/tmp"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        self.config_path = self.home / "config.json"
        self.config_path.write_text(json.dumps(config, indent=2))
        self.port = free_port()
        self.db_path = self.home / "kagami.db"
        self.env = {**os.environ, "KAGAMI_DB": str(self.db_path), **(env or {})}
        self.procs: dict[str, subprocess.Popen] = {}
        (self.home / "site/public/index.html").write_text("<!doctype html><title>test</title>")
        # SiteGen asks the backends for their model lists (a dead one only costs a warning).
        self.sitegen_output = subprocess.run(
            [str(self.bin / "SiteGen"), "--config", str(self.config_path), "--out", str(self.home / "site"),
             "--run-dir", str(self.home / "run"), "--templates", str(ROOT / "templates")],
            check=True, capture_output=True, text=True, env=self.env)
        self.start_handler(handler_args or [])
        if (self.bin / "RUMBeacon").exists():
            self.start_rum()
        if (self.bin / "DashboardAPI").exists():
            self.start_dashboard()
        self._start_nginx()

    @property
    def socket_path(self) -> Path:
        return self.home / "run" / "chat.sock"

    @property
    def chat_log(self) -> Path:
        return self.home / "logs" / "chat.log"

    def start_handler(self, extra: list[str] | None = None):
        if self.socket_path.exists():
            self.socket_path.unlink()
        log = open(self.chat_log, "ab")
        self.procs["chat"] = subprocess.Popen(
            [str(self.bin / "ChatHandler"), "--config", str(self.config_path), "--socket", str(self.socket_path),
             *(extra or [])], stdout=log, stderr=log, env=self.env)
        wait_until(lambda: self.socket_path.exists(), 10, "ChatHandler socket")

    @property
    def rum_socket_path(self) -> Path:
        return self.home / "run" / "rum.sock"

    @property
    def rum_log(self) -> Path:
        return self.home / "logs" / "rum.log"

    def start_rum(self, extra: list[str] | None = None):
        """Starts RUMBeacon on home/run/rum.sock (nginx's /rum upstream), with the same config and store."""
        if self.rum_socket_path.exists():
            self.rum_socket_path.unlink()
        log = open(self.rum_log, "ab")
        self.procs["rum"] = subprocess.Popen(
            [str(self.bin / "RUMBeacon"), "--config", str(self.config_path), "--socket", str(self.rum_socket_path),
             *(extra or [])], stdout=log, stderr=log, env=self.env)
        wait_until(lambda: self.rum_socket_path.exists(), 10, "RUMBeacon socket")

    def stop_rum(self):
        """SIGTERM RUMBeacon and wait: it flushes its store."""
        proc = self.procs["rum"]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)

    @property
    def dashboard_socket_path(self) -> Path:
        return self.home / "run" / "dashboard.sock"

    def start_dashboard(self, extra: list[str] | None = None):
        """Starts DashboardAPI on home/run/dashboard.sock (nginx's /obs/api/ upstream), reading the same store."""
        if self.dashboard_socket_path.exists():
            self.dashboard_socket_path.unlink()
        log = open(self.home / "logs" / "dashboard.log", "ab")
        self.procs["dashboard"] = subprocess.Popen(
            [str(self.bin / "DashboardAPI"), "--config", str(self.config_path), "--socket",
             str(self.dashboard_socket_path), *(extra or [])], stdout=log, stderr=log, env=self.env)
        # A store the dashboard cannot use (say, an unwritable KAGAMI_DB) makes it exit with a reason in its log;
        # that must not stop the chat tests, so only a dashboard that is still running must have its socket.
        proc = self.procs["dashboard"]
        wait_until(lambda: self.dashboard_socket_path.exists() or proc.poll() is not None, 10, "DashboardAPI socket")

    def _start_nginx(self):
        template = (ROOT / "nginx" / "dev.conf.in").read_text()
        user_line = "user root;" if os.geteuid() == 0 else ""
        conf = (template.replace("@HOME@", str(self.home)).replace("@PORT@", str(self.port))
                .replace("@USER_LINE@", user_line))
        conf_path = self.home / "nginx" / "nginx.conf"
        conf_path.write_text(conf)
        shutil.copy("/etc/nginx/fastcgi_params", self.home / "nginx" / "fastcgi_params")
        self.procs["nginx"] = subprocess.Popen(
            ["nginx", "-p", str(self.home / "nginx"), "-c", str(conf_path)],
            stdout=subprocess.DEVNULL, stderr=open(self.home / "logs" / "nginx-stderr.log", "ab"))
        wait_until(lambda: http_ok(self.port, "/"), 10, "nginx")

    # --- requests -----------------------------------------------------------------------------------

    def request(self, method: str, path: str, body: bytes | str | None = None, headers: dict | None = None,
                timeout: float = 60):
        """One HTTP request through nginx; returns (status, headers, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        if isinstance(body, str):
            body = body.encode()
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def chat(self, payload, path: str = "/chat", stream: bool = False, headers: dict | None = None,
             timeout: float = 120):
        """POSTs JSON to a chat route; returns (status, headers, parsed JSON or SSE events)."""
        h = {"Content-Type": "application/json", **(headers or {})}
        if stream:
            h["Accept"] = "text/event-stream"
        body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        status, response_headers, data = self.request("POST", path, body, h, timeout)
        if response_headers.get("content-type", "").startswith("text/event-stream"):
            return status, response_headers, parse_sse(data.decode())
        try:
            return status, response_headers, json.loads(data)
        except json.JSONDecodeError:
            return status, response_headers, data

    def stop_handler(self):
        """SIGTERM the handler and wait: it drains and flushes its store."""
        proc = self.procs["chat"]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)

    def handler_alive(self) -> bool:
        return self.procs["chat"].poll() is None

    def stop(self):
        for name in ("nginx", "chat", "rum", "dashboard"):
            proc = self.procs.get(name)
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(self.home, ignore_errors=True)


def parse_sse(text: str) -> list[tuple[str, dict]]:
    """Server-Sent Events as (event, parsed data) pairs."""
    events = []
    for block in text.split("\n\n"):
        event, data = "message", []
        for line in block.splitlines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
        if data:
            events.append((event, json.loads("\n".join(data))))
    return events


def config_for(backend_url: str, backend_type: str = "ollama", routes: list[dict] | None = None,
               **sections) -> dict:
    """A test configuration: one backend named default, the given routes, rate limiting off by default."""
    config = {
        "backends": {"default": {"type": backend_type, "url": backend_url}},
        "routes": routes or [{"path": "/chat", "model": "echo", "max_tokens": 64}],
        "nginx": {"chat_rate_per_minute": 0},
    }
    for key, value in sections.items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    return config
