"""Test receivers for the exporter tests: a loopback capture server with injectable faults, and helpers
that start real Phoenix and Prometheus servers from their cached installs."""
from __future__ import annotations

import gzip
import http.client
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from harness import CACHE, free_port, wait_until


class CaptureServer:
    """Records every POST (path, headers, decoded body) and answers as told: status, delay, Retry-After."""

    def __init__(self, tls_cert: tuple[str, str] | None = None):
        self.requests: list[dict] = []
        self.status = 200
        self.delay = 0.0
        self.retry_after: str | None = None
        self.body = b"{}"
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    data = gzip.decompress(data)
                with outer.lock:
                    status, delay, retry_after, body = outer.status, outer.delay, outer.retry_after, outer.body
                    outer.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                           "body": data, "status": status, "time": time.monotonic()})
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                if retry_after:
                    self.send_header("Retry-After", retry_after)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls_cert)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"{'https' if tls_cert else 'http'}://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, status: int = 200, delay: float = 0.0, retry_after: str | None = None, body: bytes = b"{}"):
        with self.lock:
            self.status, self.delay, self.retry_after, self.body = status, delay, retry_after, body

    def received(self, path_prefix: str = "") -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["path"].startswith(path_prefix)]

    def wait_for(self, path_prefix: str, count: int = 1, timeout: float = 15, status: int | None = None) -> list[dict]:
        def enough():
            got = [r for r in self.received(path_prefix) if status is None or r["status"] == status]
            return len(got) >= count
        wait_until(enough, timeout, f"{count} requests to {path_prefix}")
        return self.received(path_prefix)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def self_signed_cert(directory: Path) -> tuple[str, str]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


class Phoenix:
    """Arize Phoenix from $KAGAMI_CACHE/phoenix-venv (scripts/install-deps.sh --test installs it)."""

    BIN = CACHE / "phoenix-venv" / "bin" / "phoenix"

    def __init__(self):
        if not self.BIN.exists():
            raise RuntimeError(f"{self.BIN} missing: run scripts/install-deps.sh --test")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="phoenix-"))
        env = {**os.environ, "PHOENIX_HOST": "127.0.0.1", "PHOENIX_PORT": str(self.port),
               "PHOENIX_WORKING_DIR": str(self.dir), "PHOENIX_TELEMETRY_ENABLED": "false",
               "PHOENIX_GRPC_PORT": str(free_port())}
        self.log = open(self.dir / "phoenix.log", "wb")
        self.proc = subprocess.Popen([str(self.BIN), "serve"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        wait_until(lambda: self._get("/healthz")[0] == 200, 90, "phoenix", 0.5)

    def _get(self, path: str):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def spans(self) -> list[dict]:
        status, body = self._get("/v1/projects/default/spans?limit=100")
        return json.loads(body)["data"] if status == 200 else []

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Prometheus:
    """Debian's prometheus binary with a temporary config and storage, scraping `target` every second."""

    def __init__(self, target: str, metrics_path: str = "/metrics"):
        binary = shutil.which("prometheus")
        if not binary:
            raise RuntimeError("prometheus missing: run scripts/install-deps.sh --test")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="prometheus-"))
        (self.dir / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n  - job_name: kagami\n"
            f"    metrics_path: {metrics_path}\n    static_configs:\n      - targets: ['{target}']\n")
        self.proc = subprocess.Popen(
            [binary, f"--config.file={self.dir / 'prometheus.yml'}", f"--storage.tsdb.path={self.dir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=open(self.dir / "prometheus.log", "wb"))
        wait_until(lambda: self._get("/-/ready")[0] == 200, 30, "prometheus", 0.2)

    def _get(self, path: str):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def query(self, promql: str) -> list[dict]:
        from urllib.parse import quote
        status, body = self._get("/api/v1/query?query=" + quote(promql))
        assert status == 200, body
        return json.loads(body)["data"]["result"]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
