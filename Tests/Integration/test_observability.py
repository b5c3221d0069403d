"""Traces in the embedded store, seen through kagami-obs; masking proven with canaries on disk and in logs."""
import signal
import subprocess
import time

import pytest

from harness import Stack, bin_dir, config_for

CANARY_EMAIL = "canary.7f3a9@example.com"
CANARY_KEY = "sk-canary7f3a9XYZabcdefghij0123456789"
PROMPT = f"Please keep this secret: {CANARY_EMAIL} and {CANARY_KEY}"


def obs(stack: Stack, *args: str) -> str:
    result = subprocess.run([str(bin_dir() / "kagami-obs"), "--db", str(stack.db_path), *args],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def wait_for_traces(stack: Stack, count: int, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.db_path.exists() and obs(stack, "summary", "--window", "1h").split(":")[1].strip().startswith(
                f"{count} requests"):
            return
        time.sleep(0.2)
    raise AssertionError(f"{count} traces not stored within {timeout}s: {obs(stack, 'summary')}")


@pytest.fixture
def routes():
    return [{"path": "/chat", "model": "echo", "max_tokens": 64},
            {"path": "/cold", "model": "fault:slow", "max_tokens": 4, "idle_timeout_ms": 10000},
            {"path": "/broken", "model": "fault:500"}]


def test_each_chat_becomes_a_trace_with_phases_tokens_and_evaluations(fake_backend, routes):
    fake_backend.control("POST", "/_control/config", {"slow_seconds": 1.2})
    s = Stack(config_for(fake_backend.url, routes=routes))
    try:
        status, _, body = s.chat({"message": "What is the capital of Japan?", "session_id": "tab-9"})
        assert status == 200
        assert s.chat({"message": "wake up"}, path="/cold")[0] == 200
        assert s.chat({"message": "x"}, path="/broken")[0] == 502
        assert s.chat({"message": ""})[0] == 400
        wait_for_traces(s, 4)

        listing = obs(s, "traces")
        assert "/chat" in listing and "/broken" in listing and "backend_error" in listing
        assert body["trace_id"][:10] in listing

        detail = obs(s, "trace", body["trace_id"])
        for expected in ("POST /chat", "queue", "chat echo", "generate", "prompt.eval",
                         "What is th", "failure_to_answer", "tokens in/out"):
            assert expected in detail, expected
        assert "capital of Japan" not in detail  # prefix:10 masking by default

        cold = obs(s, "traces", "--limit", "10").splitlines()
        cold_line = next(line for line in cold if "/cold" in line)
        assert "yes" in cold_line  # a model load over the threshold is a cold start
        cold_id = cold_line.split()[1]
        cold_detail = obs(s, "trace", cold_id)
        assert "cold start: the model was loaded first" in cold_detail and "model.load" in cold_detail

        summary = obs(s, "summary", "--window", "1h")
        assert "4 requests, 2 errors" in summary and "cold starts: 1" in summary
    finally:
        fake_backend.control("POST", "/_control/config", {"slow_seconds": 30})
        s.stop()


@pytest.mark.parametrize("policy", ["prefix:10", "pii", "hash", "drop", "none"])
def test_canaries_never_reach_disk_or_logs_unless_policy_is_none(fake_backend, policy):
    s = Stack(config_for(fake_backend.url, masking={"input": policy, "output": policy}))
    try:
        status, _, body = s.chat({"message": PROMPT}, stream=True)
        assert status == 200
        status, _, body = s.chat({"message": PROMPT})
        assert status == 200 and CANARY_EMAIL in body["reply"]  # the user does get the answer
        wait_for_traces(s, 2)
        s.stop_handler()
        files = [p for p in s.home.rglob("*") if p.is_file()]
        assert any(p.name == "kagami.db" for p in files)
        leaked = {str(p.relative_to(s.home)) for p in files
                  if CANARY_EMAIL.encode() in p.read_bytes() or CANARY_KEY.encode() in p.read_bytes()}
        if policy == "none":
            assert "kagami.db" in leaked or "kagami.db-wal" in leaked  # proves the search can find it
            assert not any(name.startswith("logs/") for name in leaked)  # logs never carry text
        else:
            assert not leaked, leaked
    finally:
        s.stop()


def test_an_unwritable_store_does_not_stop_the_chat(fake_backend):
    s = Stack(config_for(fake_backend.url), env={"KAGAMI_DB": "/proc/kagami-no-such-dir/kagami.db"})
    try:
        for _ in range(3):
            assert s.chat({"message": "still chatting"})[0] == 200
        time.sleep(0.5)
        log = s.chat_log.read_text()
        assert "cannot open the store" in log
        assert log.count("cannot open the store") == 1  # once, not once per request
    finally:
        s.stop()


def test_sampler_records_host_and_runner_and_joins_traces(fake_backend):
    s = Stack(config_for(fake_backend.url))
    sampler = subprocess.Popen([str(bin_dir() / "KagamiSampler"), "--config", str(s.config_path),
                                "--interval", "0.3"], env=s.env, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        _, _, body = s.chat({"message": "hello"})
        time.sleep(1.0)
        host = obs(s, "host", "--window", "15m")
        assert len(host.strip().splitlines()) >= 3 and "%" in host
        detail = obs(s, "trace", body["trace_id"])
        assert "host around it: CPU peak" in detail
        # A second sampler for the same database steps aside.
        second = subprocess.run([str(bin_dir() / "KagamiSampler"), "--config", str(s.config_path)],
                                env=s.env, capture_output=True, text=True, timeout=10)
        assert second.returncode == 0 and "another sampler" in second.stderr
    finally:
        sampler.send_signal(signal.SIGTERM)
        assert sampler.wait(timeout=10) == 0
        s.stop()
