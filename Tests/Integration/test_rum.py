"""RUMBeacon through real nginx: POST /rum validation, enrichment (geo from a test .mmdb, device from the
User-Agent), storage, correlation with chat traces, and every kind of bad input and fault."""
import json
import os
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from harness import Stack, bin_dir, config_for

MMDB_SCRIPT = Path(__file__).resolve().parents[1] / "RUMTests" / "Fixtures" / "make-test-mmdb.pl"
SESSION = "0123456789abcdef0123456789abcdef"
VIEW = "fedcba9876543210"
CHROME_LINUX = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 "
                "Safari/537.36")
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"

pytestmark = pytest.mark.skipif(not (bin_dir() / "RUMBeacon").exists(), reason="RUMBeacon not built")


def now_ms() -> int:
    return int(time.time() * 1000)


def batch(events, session=SESSION, **extra) -> str:
    sent = now_ms()
    for e in events:
        e.setdefault("t", sent - 500)
    return json.dumps({"session_id": session, "view_id": VIEW, "sent_at": sent, "events": events, **extra})


def beacon(stack: Stack, body, headers=None, content_type="text/plain;charset=UTF-8", method="POST"):
    h = {"User-Agent": CHROME_LINUX, **({"Content-Type": content_type} if content_type else {}), **(headers or {})}
    status, response_headers, data = stack.request(method, "/rum", body, h)
    parsed = json.loads(data) if data.strip() else None
    return status, response_headers, parsed


def rows(stack: Stack, sql: str, args=()):
    if not stack.db_path.exists():
        return []
    with sqlite3.connect(stack.db_path, timeout=5) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute(sql, args)]


def wait_rows(stack: Stack, sql: str, count: int, args=(), timeout=10):
    deadline = time.monotonic() + timeout
    found = []
    while time.monotonic() < deadline:
        found = rows(stack, sql, args)
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"expected {count} rows for {sql} {args}, got {len(found)}")


def session_id(tag: str) -> str:
    return (tag.encode().hex() + "0" * 32)[:32]


@pytest.fixture(scope="module")
def mmdb(tmp_path_factory):
    if shutil.which("perl") is None or subprocess.run(["perl", "-MMaxMind::DB::Writer::Tree", "-e", "1"],
                                                     capture_output=True).returncode != 0:
        pytest.skip("libmaxmind-db-writer-perl is not installed (scripts/install-deps.sh --test)")
    path = tmp_path_factory.mktemp("geo") / "test.mmdb"
    subprocess.run(["perl", str(MMDB_SCRIPT), str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def stack(fake_backend, mmdb):
    """nginx trusts no proxy header on its own; RUMBeacon trusts X-Forwarded-For from 127.0.0.1 (nginx here)."""
    s = Stack(config_for(fake_backend.url, rum={
        "geo_database": str(mmdb), "trusted_proxies": ["127.0.0.1/32"], "rate_per_second": 1000, "burst": 1000}))
    yield s
    s.stop()


def test_a_valid_batch_is_answered_204_and_stored_with_geo_and_device(stack):
    sid = session_id("valid")
    status, headers, body = beacon(stack, batch([
        {"type": "view", "name": "/", "value": 420.5, "attrs": {"ttfb": 12.5, "load": 420.5}},
        {"type": "vital", "name": "LCP", "value": 812.5},
        {"type": "vital", "name": "CLS", "value": 0.02},
        {"type": "error", "name": "js", "attrs": {"message": "boom", "line": 3, "stack": "Error: boom\n at f"}},
    ], session=sid), headers={"X-Forwarded-For": "203.0.113.77"})
    assert status == 204 and body is None
    stored = wait_rows(stack, "SELECT * FROM rum_events WHERE session_id = ? ORDER BY id", 4, (sid,))
    assert [r["type"] for r in stored] == ["view", "vital", "vital", "error"]
    for r in stored:
        assert (r["country"], r["region"], r["city"]) == ("JP", "Tokyo", "Shibuya")
        assert (r["browser"], r["os"], r["device"]) == ("Chrome 156", "Linux", "desktop")
        assert r["view_id"] == VIEW
        assert "203.0.113" not in r["attributes"]  # no raw address, not even truncated by default
        assert abs(r["time_ns"] / 1e6 - now_ms()) < 60_000
    assert json.loads(stored[3]["attributes"])["stack"] == "Error: boom\n at f"
    assert stored[1]["value"] == 812.5


def test_a_partly_bad_batch_keeps_the_valid_events_and_names_the_rejected(stack):
    sid = session_id("partly")
    status, _, body = beacon(stack, batch([
        {"type": "vital", "name": "LCP", "value": -5},
        {"type": "vital", "name": "INP", "value": 64},
        {"type": "vital", "name": "CLS", "value": 1e9},
        {"type": "nonsense", "name": "x"},
        {"type": "vital", "name": "FCP", "value": "fast"},
        {"type": "error", "name": "js", "attrs": {"message": "x" * 5000}},
        {"type": "action", "name": "send", "value": 900},
    ], session=sid))
    assert status == 400
    assert body["accepted"] == 2
    assert body["error"]["code"] == "invalid_events"
    assert [r["index"] for r in body["rejected"]] == [0, 2, 3, 4, 5]
    reasons = [r["reason"] for r in body["rejected"]]
    assert reasons[0] == "value: LCP must be 0…600000 ms"
    assert reasons[1] == "value: CLS must be 0…100"
    assert reasons[2].startswith("type: must be one of")
    assert reasons[3] == "value: must be a number, not a string"
    assert reasons[4] == "attrs.message: longer than 1024 bytes"
    stored = wait_rows(stack, "SELECT type, name FROM rum_events WHERE session_id = ? ORDER BY id", 2, (sid,))
    assert stored == [{"type": "vital", "name": "INP"}, {"type": "action", "name": "send"}]


@pytest.mark.parametrize("name,body,code", [
    ("not json", b"hello, world", "invalid_json"),
    ("truncated", batch([{"type": "vital", "name": "LCP", "value": 1}]).encode()[:-7], "invalid_json"),
    ("deeply nested", b"[" * 5000 + b"]" * 5000, "invalid_json"),
    ("invalid utf-8", batch([{"type": "view", "name": "/"}]).encode().replace(b'"/"', b'"\xff\xfe"'), "invalid_utf8"),
    ("10,000 events", json.dumps({"session_id": SESSION, "view_id": VIEW, "sent_at": 1,
                                  "events": [{}] * 10_000}).replace(" ", "").encode(), "too_many_events"),
    ("not an object", b"[1, 2, 3]", "invalid_beacon"),
    ("no session", json.dumps({"view_id": VIEW, "sent_at": 1, "events": [{}]}).encode(), "invalid_beacon"),
    ("empty", b"", "empty_body"),
])
def test_bad_beacons_are_refused_whole_with_a_reason(stack, name, body, code):
    before = rows(stack, "SELECT COUNT(*) AS n FROM rum_events")[0]["n"]
    status, headers, parsed = beacon(stack, body)
    assert status == 400, name
    assert headers["content-type"] == "application/json"
    assert parsed["error"]["code"] == code, parsed
    assert parsed["accepted"] == 0 and parsed["rejected"] == []
    time.sleep(0.3)
    assert rows(stack, "SELECT COUNT(*) AS n FROM rum_events")[0]["n"] == before


def test_a_one_megabyte_body_is_refused_by_nginx_with_413_json(stack):
    huge = batch([{"type": "error", "name": "js", "attrs": {"message": "x" * (1 << 20)}}])
    status, headers, body = beacon(stack, huge)
    assert status == 413 and body["error"]["code"] == "body_too_large"
    # Just under the limit: the handler reads it and rejects the one oversized string, keeping the beacon's shape.
    status, _, body = beacon(stack, batch([{"type": "error", "name": "js", "attrs": {"message": "y" * 60_000}}]))
    assert status == 400 and body["rejected"][0]["reason"] == "attrs.message: longer than 1024 bytes"


def test_wrong_method_and_content_type(stack):
    status, headers, body = beacon(stack, None, method="GET", content_type=None)
    assert status == 405 and body["error"]["code"] == "method_not_allowed" and headers["allow"] == "POST"
    status, _, body = beacon(stack, batch([{"type": "view"}]), content_type="application/x-www-form-urlencoded")
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"
    status, _, body = beacon(stack, batch([{"type": "view"}]), content_type=None)
    assert status == 415
    assert beacon(stack, batch([{"type": "view"}]), content_type="application/json")[0] == 204


@pytest.mark.parametrize("forwarded,expected", [
    ("2001:db8:1::5", ("FR", "Ile-de-France", "Paris")),   # an IPv6 client
    ("192.168.1.5", (None, None, None)),                  # a private client: unknown, not an error
    ("8.8.8.8", (None, None, None)),                      # not in the test database
    ("garbage, 203.0.113.9", ("JP", "Tokyo", "Shibuya")),  # the rightmost hop that is not ours counts
])
def test_geo_for_ipv6_private_and_unknown_clients(stack, forwarded, expected):
    sid = session_id("geo-" + forwarded)
    status, _, _ = beacon(stack, batch([{"type": "view", "name": "/"}], session=sid),
                          headers={"X-Forwarded-For": forwarded})
    assert status == 204
    r = wait_rows(stack, "SELECT country, region, city FROM rum_events WHERE session_id = ?", 1, (sid,))[0]
    assert (r["country"], r["region"], r["city"]) == expected


def test_an_action_joins_the_chat_trace_it_started(stack):
    sid = session_id("correlate")
    trace = os.urandom(16).hex()
    status, _, reply = stack.chat({"message": "hello"}, headers={"traceparent": f"00-{trace}-{os.urandom(8).hex()}-01"})
    assert status == 200 and reply["trace_id"] == trace
    assert beacon(stack, batch([{"type": "action", "name": "send", "value": 800, "trace_id": trace,
                                 "attrs": {"ttft_painted_ms": 120.5, "route": "/chat"}},
                                {"type": "error", "name": "promise", "attrs": {"message": "late"}}],
                               session=sid))[0] == 204
    joined = wait_rows(stack, """SELECT r.name, r.value, c.status, c.route, c.ttft_ms FROM rum_events r
                                  JOIN chats c ON c.trace_id = r.trace_id WHERE r.session_id = ?""", 1, (sid,))
    assert joined[0]["name"] == "send" and joined[0]["status"] == 200 and joined[0]["route"] == "/chat"


def test_every_accepted_event_is_stored_under_concurrent_load(stack):
    sid = session_id("load")
    events = [{"type": "vital", "name": "INP", "value": i} for i in range(20)]
    statuses = []

    def worker():
        for _ in range(10):
            statuses.append(beacon(stack, batch([dict(e) for e in events], session=sid))[0])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [204] * 80
    wait_rows(stack, "SELECT id FROM rum_events WHERE session_id = ?", 80 * 20, (sid,))


@pytest.fixture(scope="module")
def exposed(fake_backend, tmp_path_factory):
    """Trusts no proxy, keeps truncated networks, default rate limit (20/s, burst 50), a corrupt geo file."""
    corrupt = tmp_path_factory.mktemp("geo-corrupt") / "corrupt.mmdb"
    corrupt.write_bytes(b"\x42" * 4096)
    s = Stack(config_for(fake_backend.url, rum={"geo_database": str(corrupt), "address_storage": "truncate"}))
    yield s
    s.stop()


def test_a_corrupt_geo_database_still_accepts_beacons_with_one_clear_log_line(exposed):
    sid = session_id("corrupt")
    assert beacon(exposed, batch([{"type": "view", "name": "/"}], session=sid))[0] == 204
    r = wait_rows(exposed, "SELECT country, attributes FROM rum_events WHERE session_id = ?", 1, (sid,))[0]
    assert r["country"] is None
    assert json.loads(r["attributes"])["client_net"] == "127.0.0.0/24"  # address_storage: truncate
    lines = [json.loads(line) for line in exposed.rum_log.read_text().splitlines() if line.startswith("{")]
    geo_lines = [line for line in lines if "geo" in line["msg"]]
    assert len(geo_lines) == 1 and geo_lines[0]["level"] == "error"
    assert "corrupt.mmdb" in geo_lines[0]["path"] and geo_lines[0]["msg"].startswith("geo database unavailable")


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(exposed):
    sid = session_id("spoof")
    assert beacon(exposed, batch([{"type": "view", "name": "/"}], session=sid),
                  headers={"X-Forwarded-For": "203.0.113.77"})[0] == 204
    r = wait_rows(exposed, "SELECT attributes FROM rum_events WHERE session_id = ?", 1, (sid,))[0]
    assert json.loads(r["attributes"])["client_net"] == "127.0.0.0/24"  # the peer, not the claimed address


def test_a_flood_from_one_client_gets_429_from_nginx_and_the_handler_is_unaffected(exposed):
    time.sleep(3)  # refill the bucket after the tests above
    body = batch([{"type": "view", "name": "/"}], session=session_id("flood"))
    statuses = [beacon(exposed, body)[0] for _ in range(150)]
    assert statuses.count(204) >= 50 and statuses.count(429) >= 50, statuses
    status, headers, parsed = beacon(exposed, body)
    assert status == 429 and parsed["error"]["code"] == "rate_limited" and headers["retry-after"] == "5"
    assert exposed.procs["rum"].poll() is None
    accepted = statuses.count(204)
    wait_rows(exposed, "SELECT id FROM rum_events WHERE session_id = ?", accepted, (session_id("flood"),))
    assert len(rows(exposed, "SELECT id FROM rum_events WHERE session_id = ?", (session_id("flood"),))) == accepted
    time.sleep(1.1)
    assert beacon(exposed, batch([{"type": "view", "name": "/"}], session=session_id("after")))[0] == 204
