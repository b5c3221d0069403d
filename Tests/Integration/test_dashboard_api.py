"""The dashboard query API through real nginx and DashboardAPI on a store seeded by real chats: access control
(basic auth in nginx, the shared secret in the API), every endpoint, filters, pagination, injection strings,
bad parameters, an empty window, and reads while the store is being written."""
import json
import subprocess
import threading
from urllib.parse import quote

import pytest

from dashboard_stack import PROMPTS, XSS, auth_header, make_stack, seed

ENDPOINTS = ["overview?window=1h", "traces", "evaluations?window=1h", "infrastructure?window=1h", "rum?window=1h"]


@pytest.fixture(scope="module")
def stack(fake_backend):
    stack = make_stack(fake_backend)
    stack.traces = seed(stack)
    yield stack
    stack.stop()


def get(stack, path, headers=None, auth=True):
    h = {**(auth_header() if auth else {}), **(headers or {})}
    status, response_headers, body = stack.request("GET", "/obs/api/" + path, headers=h)
    try:
        return status, response_headers, json.loads(body)
    except json.JSONDecodeError:
        return status, response_headers, body


def test_nginx_requires_the_password(stack):
    for path in ["/dashboard/", "/dashboard/traces.html", "/obs/api/overview"]:
        status, headers, _ = stack.request("GET", path)
        assert status == 401, path
        assert "basic" in headers.get("www-authenticate", "").lower()
        status, _, _ = stack.request("GET", path, headers=auth_header(password="wrong"))
        assert status == 401
    status, _, body = stack.request("GET", "/dashboard/", headers=auth_header())
    assert status == 200 and b"data-page=\"overview\"" in body
    assert stack.request("GET", "/dashboard", headers=auth_header())[0] == 301


def test_api_refuses_requests_without_the_shared_secret(stack):
    """Defence in depth: straight to the FastCGI socket (nginx bypassed or misconfigured) → 401/403."""
    def fcgi(extra_env):
        env = {"REQUEST_METHOD": "GET", "DOCUMENT_URI": "/obs/api/overview", "QUERY_STRING": "",
               "SCRIPT_FILENAME": "/obs/api/overview", **extra_env}
        out = subprocess.run(["cgi-fcgi", "-bind", "-connect", str(stack.dashboard_socket_path)],
                             env=env, capture_output=True, timeout=10).stdout.decode()
        return out
    assert "Status: 401" in fcgi({})
    assert "Status: 403" in fcgi({"HTTP_X_KAGAMI_DASHBOARD_KEY": "guess"})
    # A client cannot supply the header through nginx either: nginx's value replaces it.
    status, _, body = get(stack, "overview", headers={"X-Kagami-Dashboard-Key": "guess"})
    assert status == 200, body


def test_every_endpoint_answers_json(stack):
    for path in ENDPOINTS:
        status, headers, body = get(stack, path)
        assert status == 200, (path, body)
        assert headers["content-type"].startswith("application/json")
        assert headers["cache-control"] == "no-store"


def test_overview_counts_the_chats(stack):
    _, _, body = get(stack, "overview?window=1h&step=1m")
    totals = body["totals"]
    assert totals["requests"] == len(PROMPTS) + 1
    assert totals["errors"] == 1
    assert totals["p95_ms"] is not None and totals["cost"] >= 0
    assert sum(point["requests"] for point in body["series"]) == len(PROMPTS) + 1
    assert {g["route"] for g in body["groups"]} == {"/chat", "/broken"}
    assert body["errors_by_code"][0]["count"] == 1
    assert set(body["phases"]) == {"sampled_requests", "queue_ms", "load_ms", "prompt_eval_ms", "generation_ms",
                                   "duration_ms"}


def test_traces_filters_and_cursor(stack):
    _, _, body = get(stack, "traces?limit=2")
    assert len(body["traces"]) == 2 and body["next_cursor"]
    seen = [t["trace_id"] for t in body["traces"]]
    cursor = body["next_cursor"]
    while cursor:
        _, _, page = get(stack, "traces?limit=2&cursor=" + cursor)
        seen += [t["trace_id"] for t in page["traces"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == len(PROMPTS) + 1
    assert [t["route"] for t in get(stack, "traces?status=error")[2]["traces"]] == ["/broken"]
    assert len(get(stack, "traces?status=ok&route=/chat")[2]["traces"]) == len(PROMPTS)
    assert len(get(stack, "traces?session=sess-1")[2]["traces"]) == 2
    hits = get(stack, "traces?q=" + quote("天気"))[2]["traces"]
    assert [t["trace_id"] for t in hits] == [stack.traces["要約して: 今日の天気"]]
    assert len(get(stack, "traces?model=echo&min_ms=0")[2]["traces"]) == len(PROMPTS)
    assert get(stack, "traces?min_ms=86400000")[2]["traces"] == []


@pytest.mark.parametrize("text", [
    "' OR 1=1 --", "'; DROP TABLE chats;--", "\" OR \"\"=\"", "%", "_", "\\", "%' UNION SELECT * FROM chats --",
    "1; SELECT sqlite_version()", "*/ --", "' || (SELECT trace_id FROM chats LIMIT 1) || '",
])
def test_injection_strings_in_the_search_are_plain_text(stack, text):
    status, _, body = get(stack, "traces?q=" + quote(text))
    assert status == 200, body
    expected = [p for p in PROMPTS if text in p]
    assert len(body["traces"]) == len(expected), (text, body)
    assert get(stack, "overview?window=1h")[2]["totals"]["requests"] == len(PROMPTS) + 1  # table intact


@pytest.mark.parametrize("path", [
    "traces?route=" + quote("/chat' OR '1'='1"), "traces?model=" + quote("echo; DROP TABLE chats"),
    "traces?label=" + quote("x' --"), "traces?session=" + quote("a b"), "traces?status=maybe",
    "traces?limit=0", "traces?limit=100000", "traces?min_ms=-1", "traces?cursor=zzz", "traces?from=10&to=5",
    "traces?nope=1", "traces?q=%ZZ", "traces?q=" + "x" * 300, "traces?limit=1&limit=2",
    "overview?window=32d", "overview?window=1y", "overview?window=0m", "overview?step=1m&window=31d",
    "overview?step=90s", "overview?window=1h&extra=1", "rum?step=1m", "trace/not-hex", "trace/abc",
    "trace/" + "A" * 32, "evaluations?window=" + quote("1h;DROP"), "infrastructure?to=abc",
])
def test_bad_parameters_get_400_with_a_reason(stack, path):
    status, headers, body = get(stack, path)
    assert status == 400, (path, body)
    assert headers["content-type"].startswith("application/json")
    assert body["error"]["code"] in {"invalid_parameter", "unknown_parameter"}
    assert body["error"]["message"]


def test_unknown_endpoint_and_method(stack):
    assert get(stack, "nope")[0] == 404
    status, _, _ = stack.request("POST", "/obs/api/overview", body="{}", headers=auth_header())
    assert status == 405


def test_trace_detail_has_everything_and_no_markup(stack):
    trace_id = stack.traces[XSS]
    status, _, raw = stack.request("GET", "/obs/api/trace/" + trace_id, headers=auth_header())
    assert status == 200
    assert b"<img" not in raw  # markup travels as \u003c escapes
    body = json.loads(raw)
    assert body["trace"]["input"] == XSS
    assert body["trace"]["trace_id"] == trace_id
    names = {s["name"] for s in body["spans"]}
    assert "chat" in names and any(n.startswith("chat ") for n in names)
    assert body["phases"] and all(p["duration_ms"] >= 0 for p in body["phases"])
    assert {e["name"] for e in body["evaluations"]}
    assert body["host"] and body["processes"]
    assert [r["type"] for r in body["rum"]] == ["action"]
    # A prefix finds it too; an unknown id is an empty answer, not an error.
    assert get(stack, "trace/" + trace_id[:12])[2]["trace"]["trace_id"] == trace_id
    assert get(stack, "trace/" + "0" * 32)[2] == {"trace": None}


def test_infrastructure_evaluations_and_rum(stack):
    infra = get(stack, "infrastructure?window=1h")[2]
    assert infra["host"] and {p["role"] for p in infra["processes"]} == {"runner", "kagami"}
    assert infra["residency"][0]["model"] == "echo" and infra["residency"][0]["unloaded"] is True
    assert infra["advice"]["text"]
    evaluations = get(stack, "evaluations?window=1h")[2]
    assert evaluations["counts"]
    rum = get(stack, "rum?window=1h")[2]
    assert rum["has_data"] is True
    lcp = next(v for v in rum["vitals"] if v["name"] == "LCP")
    assert (lcp["count"], lcp["good"], lcp["poor"]) == (2, 1, 1)
    assert {e["key"] for e in rum["errors"]} == {XSS, "TypeError: x is undefined"}
    assert rum["actions"][0]["key"] == "send"
    assert rum["action_counts"] == [{"name": "send", "count": 1}]  # exact, from the rollups
    assert rum["totals"]["sessions"] == 1 and rum["totals"]["actions"] == 1
    assert rum["recent_actions"][0]["trace_id"] == stack.traces[XSS]
    assert rum["geo_attribution"] == "IP Geolocation by DB-IP"


def test_an_empty_window_is_an_empty_answer(stack):
    for path in ["overview", "traces", "evaluations", "infrastructure", "rum"]:
        status, _, body = get(stack, path + "?window=1h&to=1000000000000")
        assert status == 200, (path, body)
    assert get(stack, "overview?window=1h&to=1000000000000")[2]["totals"]["requests"] == 0
    assert get(stack, "rum?window=1h&to=1000000000000")[2]["has_data"] is False
    assert get(stack, "rum?window=1h&to=1000000000000")[2]["action_counts"] == []


def test_reads_stay_consistent_while_the_store_is_written(stack):
    errors = []
    stop = threading.Event()

    def write():
        while not stop.is_set():
            status, _, _ = stack.chat({"message": "load " + "x" * 50})
            if status != 200:
                errors.append(status)

    writers = [threading.Thread(target=write) for _ in range(2)]
    for w in writers:
        w.start()
    try:
        for _ in range(40):
            for path in ["overview?window=1h", "traces?limit=20"]:
                status, _, body = get(stack, path)
                assert status == 200, body
    finally:
        stop.set()
        for w in writers:
            w.join()
    assert not errors
