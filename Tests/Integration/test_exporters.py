"""Exporters against real receivers: OTLP (official proto classes, Phoenix), Datadog's documented JSON shape,
Prometheus scraping /metrics, and receiver faults that must never reach the chat."""
import base64
import json
import shutil
import statistics
import subprocess
import time

import pytest

from harness import Stack, config_for
from receivers import CaptureServer, Phoenix, Prometheus, self_signed_cert

PROMPT = "What is the capital of Japan? my mail is canary.42@example.com"
FAST = {"flush_interval_ms": 100, "initial_backoff_ms": 100, "max_backoff_ms": 1000, "shutdown_timeout_ms": 2000}


def otlp_config(fake_backend, url, encoding="protobuf", **otlp):
    return config_for(fake_backend.url, exporters={
        "environment": "test",
        "otlp": {"enabled": True, "endpoint": url, "encoding": encoding, **otlp}, "delivery": FAST})


def pb_request(body: bytes):
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    return request


def json_request(body: bytes):
    """OTLP/JSON → the official message: ids are hex in OTLP/JSON (base64 in plain proto3 JSON), so convert
    them, then parse strictly (unknown fields are errors)."""
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    document = json.loads(body)
    for rs in document["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        value = span[key]
                        assert len(value) in (16, 32) and int(value, 16) >= 0, value
                        span[key] = base64.b64encode(bytes.fromhex(value)).decode()
    return json_format.Parse(json.dumps(document), ExportTraceServiceRequest())


def attrs(kvs) -> dict:
    out = {}
    for kv in kvs:
        which = kv.value.WhichOneof("value")
        out[kv.key] = list(v.string_value for v in kv.value.array_value.values) if which == "array_value" \
            else getattr(kv.value, which)
    return out


def test_otlp_json_and_protobuf_carry_the_same_spans_by_the_official_definitions(fake_backend):
    receivers = {enc: CaptureServer() for enc in ("json", "protobuf")}
    stacks = {enc: Stack(otlp_config(fake_backend, receivers[enc].url, enc, gzip=enc == "protobuf"))
              for enc in receivers}
    try:
        for stack in stacks.values():
            assert stack.chat({"message": PROMPT, "session_id": "tab-1"})[0] == 200
            assert stack.chat({"message": ""})[0] == 400
        decoded = {}
        for enc, receiver in receivers.items():
            receiver.wait_for("/v1/traces")
            time.sleep(0.5)
            requests = receiver.received("/v1/traces")
            want = "application/x-protobuf" if enc == "protobuf" else "application/json"
            assert all(r["headers"]["content-type"] == want for r in requests)
            if enc == "protobuf":
                assert requests[0]["headers"].get("content-encoding") == "gzip"
            parse = pb_request if enc == "protobuf" else json_request
            spans = [s for r in requests for rs in parse(r["body"]).resource_spans
                     for ss in rs.scope_spans for s in ss.spans]
            resource = attrs(parse(requests[0]["body"]).resource_spans[0].resource.attributes)
            assert resource["service.name"] == "kagami" and resource["deployment.environment"] == "test"
            assert resource["host.name"] and resource["service.version"]
            decoded[enc] = spans

        for enc, spans in decoded.items():
            names = sorted(s.name for s in spans)
            assert "chat echo" in names and names.count("POST /chat") == 2, names
            llm = next(s for s in spans if s.name == "chat echo")
            a = attrs(llm.attributes)
            assert a["gen_ai.operation.name"] == "chat" and a["gen_ai.request.model"] == "echo"
            assert a["gen_ai.usage.input_tokens"] > 0 and a["gen_ai.usage.output_tokens"] > 0
            assert a["openinference.span.kind"] == "LLM" and a["llm.model_name"] == "echo"
            assert a["llm.token_count.total"] == a["llm.token_count.prompt"] + a["llm.token_count.completion"]
            assert a["input.value"].startswith("What is th") and "canary" not in a["input.value"]  # masked
            assert llm.kind == 3 and any(e.name == "gen_ai.evaluation.result" for e in llm.events)
            by_id = {s.span_id: s for s in spans}
            workflow = by_id[llm.parent_span_id]
            assert workflow.name == "chat" and by_id[workflow.parent_span_id].name == "POST /chat"
            rejected = next(s for s in spans if s.name == "POST /chat" and attrs(s.attributes).get(
                "http.response.status_code") == 400)
            assert attrs(rejected.attributes)["kagami.rejected"] == "bad_request" or rejected.status.code in (0, 2)

        def shape(spans):
            return sorted((s.name, s.kind, len(s.attributes), len(s.events), s.status.code) for s in spans)
        assert shape(decoded["json"]) == shape(decoded["protobuf"])
    finally:
        for stack in stacks.values():
            stack.stop()
        for receiver in receivers.values():
            receiver.stop()


def test_datadog_llm_observability_payload_matches_the_documented_shape(fake_backend):
    receiver = CaptureServer()
    config = config_for(fake_backend.url, routes=[{"path": "/chat", "model": "echo"},
                                                  {"path": "/broken", "model": "fault:500"}],
                        exporters={"environment": "test", "delivery": FAST,
                                   "datadog": {"enabled": True, "url": receiver.url, "tags": ["team:ml"]}})
    key = "ddkey-canary-0123456789abcdef"
    s = Stack(config, env={"DD_API_KEY": key})
    try:
        assert s.chat({"message": PROMPT, "session_id": "sess-7"}, stream=True)[0] == 200
        assert s.chat({"message": "x"}, path="/broken")[0] == 502
        receiver.wait_for("/api/intake/llm-obs/v1/trace/spans")
        receiver.wait_for("/api/intake/llm-obs/v2/eval-metric")
        time.sleep(0.5)
        requests = receiver.received("/api/intake/llm-obs/v1/trace/spans")
        assert all(r["headers"]["dd-api-key"] == key and r["headers"]["content-type"] == "application/json"
                   for r in requests)
        spans = []
        for r in requests:
            document = json.loads(r["body"])
            assert document["data"]["type"] == "span"
            attributes = document["data"]["attributes"]
            assert attributes["ml_app"] == "kagami" and "service:kagami" in attributes["tags"]
            assert "env:test" in attributes["tags"] and "team:ml" in attributes["tags"]
            spans += attributes["spans"]
        for span in spans:
            for field, kind in [("trace_id", str), ("span_id", str), ("parent_id", str), ("name", str),
                                ("start_ns", int), ("duration", int), ("status", str), ("meta", dict),
                                ("metrics", dict)]:
                assert isinstance(span[field], kind), (field, span)
            assert span["status"] in ("ok", "error") and span["meta"]["kind"] in ("workflow", "llm", "task")
            assert span["start_ns"] > 1.6e18 and 0 <= span["duration"] < 60e9  # ns
            assert len(span["trace_id"]) == 32 and span["span_id"].isdigit()
        roots = [sp for sp in spans if sp["parent_id"] == "undefined"]
        assert len(roots) == 2 and all(r["meta"]["kind"] == "workflow" for r in roots)
        ids = {sp["span_id"] for sp in spans}
        assert all(sp["parent_id"] in ids for sp in spans if sp["parent_id"] != "undefined")
        llm = next(sp for sp in spans if sp["meta"]["kind"] == "llm" and sp["status"] == "ok")
        assert llm["meta"]["model_name"] == "echo" and llm["session_id"] == "sess-7"
        assert llm["meta"]["input"]["messages"][0] == {"role": "user", "content": llm["meta"]["input"]["messages"][0]["content"]}
        assert "canary" not in json.dumps(llm["meta"])  # masked text only
        m = llm["metrics"]
        assert m["total_tokens"] == m["input_tokens"] + m["output_tokens"] and 0 < m["time_to_first_token"] < 10
        failed = [sp for sp in spans if sp["status"] == "error"]
        assert failed and all(sp["meta"]["error"]["type"] == "backend_error" for sp in failed if "error" in sp["meta"])
        evaluations = json.loads(receiver.received("/api/intake/llm-obs/v2/eval-metric")[0]["body"])
        metric = evaluations["data"]["attributes"]["metrics"][0]
        assert evaluations["data"]["type"] == "evaluation_metric" and metric["metric_type"] == "categorical"
        assert metric["join_on"]["span"]["span_id"] in ids and isinstance(metric["timestamp_ms"], int)
        s.stop_handler()
        assert key not in s.chat_log.read_text()  # the key is never logged
    finally:
        s.stop()
        receiver.stop()


def test_prometheus_scrapes_metrics_and_answers_a_quantile_and_a_rate(fake_backend):
    s = Stack(config_for(fake_backend.url, routes=[{"path": "/chat", "model": "echo"},
                                                   {"path": "/broken", "model": "fault:500"}]))
    prometheus = None
    try:
        status, headers, body = s.request("GET", "/metrics")
        assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
        prometheus = Prometheus(f"127.0.0.1:{s.port}")
        for i in range(6):
            assert s.chat({"message": f"hello {i}"})[0] == 200
        assert s.chat({"message": "x"}, path="/broken")[0] == 502
        assert s.request("GET", "/no-such-route")[0] == 404
        # Metrics are recorded by the trace pipeline, a few ms after each answer.
        deadline = time.monotonic() + 3
        while True:
            _, _, text = s.request("GET", "/metrics")
            text = text.decode()
            if 'model="echo",status="200"} 6' in text or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        checked = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert 'kagami_requests_total{route="/chat",model="echo",status="200"} 6' in text
        assert "/no-such-route" not in text  # only configured routes become labels
        assert "kagami_queue_depth" in text and "kagami_evaluations_total" in text
        # Scrapes are 1 s apart; a rate needs two samples that differ, so chat on while Prometheus scrapes.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert s.chat({"message": "more"})[0] == 200
            quantile = prometheus.query(
                "histogram_quantile(0.5, sum by (le) (rate(kagami_request_duration_seconds_bucket[1m])))")
            rate = prometheus.query('sum(rate(kagami_requests_total{route="/chat"}[1m]))')
            if quantile and rate and quantile[0]["value"][1] != "NaN":
                break
            time.sleep(0.5)
        up = prometheus.query("up")
        assert up and up[0]["value"][1] == "1", up
        assert quantile and 0 < float(quantile[0]["value"][1]) < 5, quantile
        assert rate and float(rate[0]["value"][1]) > 0, rate
        errors = prometheus.query("sum(kagami_request_errors_total)")
        assert errors and float(errors[0]["value"][1]) == 1
    finally:
        if prometheus:
            prometheus.stop()
        s.stop()


def test_metrics_are_refused_to_addresses_not_allowed(fake_backend):
    s = Stack(config_for(fake_backend.url, exporters={"prometheus": {"allow": ["10.9.9.9"]}}))
    try:
        assert s.request("GET", "/metrics")[0] == 403
    finally:
        s.stop()


@pytest.mark.skipif(not Phoenix.BIN.exists(), reason="Phoenix not installed (scripts/install-deps.sh --test)")
def test_phoenix_shows_llm_spans_with_tokens_and_masked_text(fake_backend):
    phoenix = Phoenix()
    s = Stack(otlp_config(fake_backend, phoenix.url, "protobuf"))
    try:
        status, _, body = s.chat({"message": PROMPT, "session_id": "tab-p"})
        assert status == 200
        deadline = time.monotonic() + 20
        spans = []
        while time.monotonic() < deadline:
            spans = phoenix.spans()
            if any(sp["name"] == "chat echo" for sp in spans):
                break
            time.sleep(0.3)
        llm = next(sp for sp in spans if sp["name"] == "chat echo")
        a = llm["attributes"]
        assert llm["span_kind"] == "LLM" and a["llm.model_name"] == "echo", llm
        assert a["llm.token_count.prompt"] > 0 and a["llm.token_count.completion"] > 0
        assert a["input.value"].startswith("What is th") and "canary" not in json.dumps(llm)
        assert llm["context"]["trace_id"] == body["trace_id"]
        by_id = {sp["context"]["span_id"]: sp for sp in spans}
        assert by_id[llm["parent_id"]]["name"] == "chat"
        assert by_id[by_id[llm["parent_id"]]["parent_id"]]["name"] == "POST /chat"
        assert not s.chat_log.read_text().count('"reason":"http_415"')
    finally:
        s.stop()
        phoenix.stop()


def chat_latencies(stack, n=30):
    out = []
    for i in range(n):
        started = time.perf_counter()
        assert stack.chat({"message": f"q{i}"})[0] == 200
        out.append(time.perf_counter() - started)
    return out


FAULTS = ["down", "slow", "500", "429", "400", "tls", "bad_host"]


@pytest.mark.parametrize("fault", FAULTS)
def test_receiver_faults_never_reach_the_chat(fake_backend, fault, tmp_path):
    receiver = None
    if fault == "tls":
        receiver = CaptureServer(tls_cert=self_signed_cert(tmp_path))
        url = receiver.url
    elif fault == "bad_host":
        url = "http://no-such-host.invalid:4318"
    elif fault == "down":
        receiver = CaptureServer()
        url = receiver.url
        receiver.stop()
    else:
        receiver = CaptureServer()
        url = receiver.url
        receiver.answer(**{"slow": dict(delay=10), "500": dict(status=500, body=b"boom"),
                           "429": dict(status=429, retry_after="1"),
                           "400": dict(status=400, body=b'{"error":"bad span field"}')}[fault])
    key = "ddkey-fault-canary-987"
    config = config_for(fake_backend.url, exporters={
        "delivery": {**FAST, "max_queue_spans": 200, "max_retries": 3},
        "otlp": {"enabled": True, "endpoint": url, "timeout_ms": 2000},
        "datadog": {"enabled": True, "url": url, "timeout_ms": 2000}})
    baseline = Stack(config_for(fake_backend.url))
    try:
        base = statistics.median(chat_latencies(baseline))
    finally:
        baseline.stop()
    s = Stack(config, env={"DD_API_KEY": key})
    try:
        with_fault = statistics.median(chat_latencies(s))
        assert with_fault < base + 0.010, (base, with_fault)  # within noise of no exporter at all
        time.sleep(2.5)
        log = s.chat_log.read_text()
        reasons = {"down": ["connect_failed"], "slow": ["timeout", "idle_timeout"], "500": ["http_5xx"],
                   "429": ["http_429"], "400": ["http_400"], "tls": ["transport"], "bad_host": ["connect_failed"]}[fault]
        lines = [line for line in log.splitlines()
                 if '"exporter":"otlp"' in line and any(f'"reason":"{r}"' in line for r in reasons)]
        assert lines, log[-3000:]
        assert len(lines) <= 3  # rate-limited, not one line per span or retry
        assert key not in log
        if fault == "429":
            first, second = receiver.received("/v1/traces")[:2]
            assert second["time"] - first["time"] >= 0.9  # honoured Retry-After: 1
        if fault in ("500", "400", "429"):
            _, _, metrics = s.request("GET", "/metrics")
            assert "kagami_exporter_failed_requests_total" in metrics.decode()
        if fault == "400":
            bodies = [r["body"] for r in receiver.received("/v1/traces")]
            assert len(bodies) == len(set(bodies))  # no batch sent twice: no retry on 400
            assert "bad span field" in lines[0]
        if fault == "down":
            # The receiver comes back on the same port: deliveries resume.
            port = int(url.rsplit(":", 1)[1])
            revived = _capture_on_port(port)
            try:
                assert s.chat({"message": "after recovery"})[0] == 200
                revived.wait_for("/v1/traces", timeout=10)
                time.sleep(0.5)
                assert "delivering again" in s.chat_log.read_text()
            finally:
                revived.stop()
        rss_kb = int(open(f"/proc/{s.procs['chat'].pid}/status").read().split("VmRSS:")[1].split()[0])
        assert rss_kb < 120_000  # bounded memory
    finally:
        s.stop()
        if receiver and fault not in ("down",):
            receiver.stop()


def _capture_on_port(port: int) -> CaptureServer:
    """A capture server on a given port (the dead receiver's), retried until the port is free."""
    import receivers
    original = receivers.ThreadingHTTPServer

    class Fixed(original):
        def __init__(self, address, handler):
            super().__init__(("127.0.0.1", port), handler)

    receivers.ThreadingHTTPServer = Fixed
    try:
        return CaptureServer()
    finally:
        receivers.ThreadingHTTPServer = original


def test_shutdown_flushes_queued_spans(fake_backend):
    receiver = CaptureServer()
    config = otlp_config(fake_backend, receiver.url, "json")
    config["exporters"]["delivery"]["flush_interval_ms"] = 60_000  # only shutdown sends
    s = Stack(config)
    try:
        for i in range(3):
            assert s.chat({"message": f"q{i}"})[0] == 200
        assert not receiver.received("/v1/traces")
        s.stop_handler()
        assert receiver.received("/v1/traces")
    finally:
        s.stop()
        receiver.stop()


def test_otlp_metrics_decode_with_the_official_definitions(fake_backend):
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
    receiver = CaptureServer()
    s = Stack(otlp_config(fake_backend, receiver.url, "protobuf", metrics=True, metrics_interval_seconds=1))
    try:
        for i in range(3):
            assert s.chat({"message": f"q{i}"})[0] == 200
        time.sleep(2.5)
        request = ExportMetricsServiceRequest()
        request.ParseFromString(receiver.wait_for("/v1/metrics")[-1]["body"])
        metrics = {m.name: m for rm in request.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}
        duration = metrics["gen_ai.client.operation.duration"]
        assert duration.unit == "s" and duration.histogram.aggregation_temporality == 2
        point = duration.histogram.data_points[0]
        assert point.count == 3 and list(point.explicit_bounds)[0] == 0.01 and list(point.explicit_bounds)[-1] == 81.92
        assert len(point.bucket_counts) == len(point.explicit_bounds) + 1
        assert {kv.key for kv in point.attributes} >= {"gen_ai.operation.name", "gen_ai.request.model"}
        usage = metrics["gen_ai.client.token.usage"]
        types = {kv.value.string_value for p in usage.histogram.data_points for kv in p.attributes
                 if kv.key == "gen_ai.token.type"}
        assert types == {"input", "output"}
        assert metrics["kagami.requests"].sum.is_monotonic
    finally:
        s.stop()
        receiver.stop()
