"""Writes the expected OTLP bytes for ExportersTests with the official opentelemetry-proto classes.

Run with the test venv: ~/.cache/kagami/venv/bin/python Tests/ExportersTests/Fixtures/make_fixtures.py
(pip install opentelemetry-proto). The spans here mirror `OTLPFixtureTests.fixtureSpans` in Swift; attributes
are added in key order because the Swift encoder writes them sorted.
"""
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

HERE = Path(__file__).resolve().parent


def kv(key, value):
    v = AnyValue()
    if isinstance(value, bool):
        v.bool_value = value
    elif isinstance(value, int):
        v.int_value = value
    elif isinstance(value, float):
        v.double_value = value
    elif isinstance(value, list):
        for item in value:
            v.array_value.values.add().string_value = item
    else:
        v.string_value = value
    return KeyValue(key=key, value=v)


def request() -> ExportTraceServiceRequest:
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    for key, value in [("service.name", "kagami"), ("service.version", "0.6.0"), ("host.name", "test-host"),
                       ("deployment.environment", "test"), ("telemetry.sdk.name", "kagami"),
                       ("telemetry.sdk.language", "swift")]:
        rs.resource.attributes.append(kv(key, value))
    ss = rs.scope_spans.add()
    ss.scope.name = "kagami"
    ss.scope.version = "0.6.0"

    server = ss.spans.add()
    server.trace_id = bytes.fromhex("4bf92f3577b34da6a3ce929d0e0e4736")
    server.span_id = bytes.fromhex("00f067aa0ba902b7")
    server.name = "POST /chat"
    server.kind = 2
    server.start_time_unix_nano = 1_700_000_000_000_000_000
    server.end_time_unix_nano = 1_700_000_000_500_000_000
    for key, value in sorted({"http.request.method": "POST", "http.response.status_code": 200,
                              "kagami.flag": False, "kagami.zero": 0}.items()):
        server.attributes.append(kv(key, value))
    server.status.SetInParent()

    llm = ss.spans.add()
    llm.trace_id = bytes.fromhex("4bf92f3577b34da6a3ce929d0e0e4736")
    llm.span_id = bytes.fromhex("1111111111111111")
    llm.parent_span_id = bytes.fromhex("00f067aa0ba902b7")
    llm.name = "chat gemma3:270m"
    llm.kind = 3
    llm.start_time_unix_nano = 1_700_000_000_001_000_000
    llm.end_time_unix_nano = 1_700_000_000_499_000_000
    attributes = {"gen_ai.request.model": "gemma3:270m", "gen_ai.response.finish_reasons": ["stop"],
                  "gen_ai.usage.input_tokens": 12, "kagami.ttft_ms": 12.5, "kagami.empty": "",
                  "kagami.neg": -3, "error.type": "backend_timeout", "input.value": "日本の首都は…[masked 3 chars]"}
    for key, value in sorted(attributes.items()):
        llm.attributes.append(kv(key, value))
    event = llm.events.add()
    event.time_unix_nano = 1_700_000_000_499_000_000
    event.name = "gen_ai.evaluation.result"
    for key, value in sorted({"gen_ai.evaluation.name": "quality", "gen_ai.evaluation.score.value": 0.0}.items()):
        event.attributes.append(kv(key, value))
    llm.status.message = "backend_timeout"
    llm.status.code = 2
    return req


if __name__ == "__main__":
    data = request().SerializeToString()
    (HERE / "otlp_traces.bin").write_bytes(data)
    print(f"wrote {len(data)} bytes to otlp_traces.bin")
