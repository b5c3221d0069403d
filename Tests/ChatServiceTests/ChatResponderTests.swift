import FastCGI
import KagamiConfig
import LLMBackends
import Synchronization
import Telemetry
import TestSupport
import Testing

@testable import ChatService

/// Keeps the records a responder hands over.
final class RecordingObserver: ChatObserver {
    let records = Mutex<[ChatRecord]>([])
    func chatFinished(_ record: ChatRecord) { records.withLock { $0.append(record) } }
    var last: ChatRecord? { records.withLock { $0.last } }
}

private func responder(
    backend: ScriptedBackend,
    routes: [RouteSettings] = [RouteSettings(path: "/chat", model: "tinyllama:latest", maxTokens: 32)],
    backendSettings: BackendSettings = BackendSettings(), limits: RequestLimits = RequestLimits(maxMessageChars: 100)
) -> (ChatResponder, RecordingObserver) {
    let configuration = KagamiConfiguration(backends: ["default": backendSettings], routes: routes, limits: limits)
    let resolver = ModelResolver(backend: backend, refreshSeconds: 30, log: Log(component: "test"))
    let binding = BackendBinding(name: "default", settings: backendSettings, client: backend, resolver: resolver)
    let observer = RecordingObserver()
    return (ChatResponder(configuration: configuration, backends: ["default": binding], observer: observer), observer)
}

private func send(_ responder: ChatResponder, _ request: HTTPRequest) -> InMemoryResponseWriter {
    let writer = InMemoryResponseWriter()
    responder.respond(to: request, writer: writer)
    return writer
}

@Test func jsonAnswerKeepsTheSeedKeysAndRecordsTheChat() throws {
    let backend = ScriptedBackend(tokens: ["Hel", "lo"])
    let (chat, observer) = responder(backend: backend)
    let writer = send(chat, makeRequest(body: #"{"message":"Hi there","session_id":"tab-1"}"#))
    #expect(writer.status == 200)
    #expect(writer.header("Content-Type") == "application/json")
    #expect(writer.text.hasPrefix(#"{"reply":"Hello","model":"tinyllama:latest","route":"/chat""#))
    for key in ["eval_count", "prompt_eval_count", "duration_ms", "ttft_ms", "trace_id", "request_id", "cold_start"] {
        #expect(writer.text.contains("\"\(key)\":"), "\(key)")
    }
    let record = try #require(observer.last)
    #expect(record.status == 200 && record.replyText == "Hello" && record.request?.sessionID == "tab-1")
    #expect(writer.header("X-Request-Id") == record.requestID)
    #expect(backend.receivedRequests.first?.maxTokens == 32)
}

@Test func streamingSendsOneFlushedEventPerToken() {
    let (chat, _) = responder(backend: ScriptedBackend(tokens: ["a", "b", "c"]))
    let writer = send(chat, makeRequest(body: #"{"message":"x"}"#, headers: ["Accept": "text/event-stream"]))
    #expect(writer.status == 200)
    #expect(writer.header("Content-Type") == "text/event-stream; charset=utf-8")
    #expect(writer.header("X-Accel-Buffering") == "no")
    #expect(writer.events.map(\.event) == ["token", "token", "token", "done"])
    #expect(writer.events[0].data == #"{"text":"a"}"#)
    #expect(writer.flushes == 4)
}

@Test(arguments: [
    ("GET", "application/json", #"{"message":"x"}"#, 405, "method_not_allowed"),
    ("POST", "text/plain", #"{"message":"x"}"#, 415, "unsupported_media_type"),
    ("POST", "application/json", "{", 400, "invalid_json"),
    ("POST", "application/json", #"{"message":"  "}"#, 400, "empty_message"),
    ("POST", "application/json", #"{"message":"x","messages":[]}"#, 400, "invalid_field"),
    (
        "POST", "application/json", #"{"messages":[{"role":"user","content":"x"},{"role":"assistant","content":"y"}]}"#,
        400, "invalid_field"
    ),
    ("POST", "application/json", #"{"message":"x","options":{"max_tokens":0}}"#, 400, "invalid_field"),
    ("POST", "application/json", #"{"message":"x","options":{"top_k":3}}"#, 400, "unknown_field"),
    ("POST", "application/json", #"{"message":"x","session_id":"<script>"}"#, 400, "invalid_field"),
    (
        "POST", "application/json", "{\"message\":\"" + String(repeating: "長", count: 101) + "\"}", 413,
        "message_too_long"
    ),
])
func badRequestsGetAStatusAndAReason(method: String, type: String, body: String, status: Int, code: String) {
    let backend = ScriptedBackend()
    let (chat, observer) = responder(backend: backend)
    let writer = send(chat, makeRequest(method: method, body: body, contentType: type))
    #expect(writer.status == status)
    #expect(writer.text.contains(#""code":"\#(code)""#), "\(writer.text)")
    #expect(backend.receivedRequests.isEmpty)
    #expect(observer.last?.status == status)  // rejected requests are recorded too
}

@Test func oversizedBodyAndUnknownRoute() {
    let (chat, _) = responder(backend: ScriptedBackend())
    #expect(send(chat, makeRequest(body: "{}", bodyExceedsLimit: true)).status == 413)
    let writer = send(chat, makeRequest(path: "/elsewhere", body: #"{"message":"x"}"#))
    #expect(writer.status == 404 && writer.text.contains("unknown_route"))
}

@Test(arguments: [
    (BackendError.unavailable("refused"), 503, "backend_unavailable"),
    (BackendError.timeout("slow"), 504, "backend_timeout"),
    (BackendError.backendStatus(status: 500, message: "boom"), 502, "backend_error"),
    (BackendError.malformed("html"), 502, "backend_malformed"),
])
func backendFailuresBeforeTheFirstTokenAreHTTPErrors(error: BackendError, status: Int, code: String) {
    let (chat, observer) = responder(backend: ScriptedBackend(tokens: [], error: error))
    let writer = send(chat, makeRequest(body: #"{"message":"x"}"#, headers: ["Accept": "text/event-stream"]))
    #expect(writer.status == status)
    #expect(writer.text.contains(#""code":"\#(code)""#))
    #expect(observer.last?.failure?.code == code)
}

@Test func failureAfterTokensEndsTheStreamWithAnErrorEvent() {
    let (chat, observer) = responder(backend: ScriptedBackend(tokens: ["a", "b"], error: .streamCut("closed")))
    let writer = send(chat, makeRequest(body: #"{"message":"x"}"#, headers: ["Accept": "text/event-stream"]))
    #expect(writer.status == 200)
    #expect(writer.events.map(\.event) == ["token", "token", "error"])
    #expect(writer.events.last?.data.contains("backend_stream_cut") == true)
    #expect(observer.last?.replyText == "ab")
    #expect(observer.last?.failure?.code == "backend_stream_cut")
}

@Test func clientLeavingAbortsTheBackendCall() {
    let (chat, observer) = responder(backend: ScriptedBackend(tokens: Array(repeating: "token ", count: 50)))
    let writer = InMemoryResponseWriter()
    writer.disconnectAfterBytes = 100
    chat.respond(to: makeRequest(body: #"{"message":"x"}"#, headers: ["Accept": "text/event-stream"]), writer: writer)
    #expect(observer.last?.clientDisconnected == true)
    #expect(observer.last?.status == 499)
    #expect(writer.events.count < 10)
}

@Test func missingModelIsSubstitutedOrRefusedAsConfigured() {
    let backend = ScriptedBackend(models: ["gemma3:270m"])
    let routes = [
        RouteSettings(path: "/chat", model: "tinyllama:latest"),
        RouteSettings(path: "/strict", model: "tinyllama:latest", onMissingModel: .fail),
    ]
    let (chat, observer) = responder(backend: backend, routes: routes)
    #expect(send(chat, makeRequest(body: #"{"message":"x"}"#)).status == 200)
    #expect(observer.last?.requestedModel == "gemma3:270m")
    let strict = send(chat, makeRequest(path: "/strict", body: #"{"message":"x"}"#))
    #expect(strict.status == 404 && strict.text.contains("model_not_found"))
}

@Test func browserTraceparentBecomesTheTrace() {
    let (chat, observer) = responder(backend: ScriptedBackend())
    _ = send(
        chat,
        makeRequest(
            body: #"{"message":"x"}"#,
            headers: ["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]))
    #expect(observer.last?.trace.traceID == "0af7651916cd43dd8448eb211c80319c")
    #expect(observer.last?.traceFromClient == true)
}
