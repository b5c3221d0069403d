import FoundationEssentials
import HTTPClient
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// What one streamed line meant.
enum StreamLine {
    /// A text delta (may be empty).
    case token(String)
    /// The backend said it is finished; the final message may still carry text.
    case finished(String)
    /// Nothing for us (comments, keep-alives, metadata already folded into the result).
    case nothing
}

/// The parts in which Ollama's and OpenAI's chat protocols differ; ``ChatCall`` does the rest.
protocol ChatWireFormat: Sendable {
    /// Path of the chat endpoint below the base URL.
    var chatPath: String { get }
    func encode(_ request: BackendChatRequest) throws(BackendError) -> [UInt8]
    /// Interprets one line of a streamed answer, folding counts and timings into `result`.
    func parseStreamLine(_ line: ArraySlice<UInt8>, into result: inout ChatResult) throws(BackendError) -> StreamLine
    /// Interprets a whole non-streamed answer.
    func parseWholeBody(_ body: [UInt8], into result: inout ChatResult) throws(BackendError)
}

let jsonDecoder = JSONDecoder()

/// Decodes `T` from JSON bytes, mapping failure to ``BackendError/malformed(_:)`` with a short excerpt.
func decodeJSON<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws(BackendError) -> T {
    do {
        return try jsonDecoder.decode(T.self, from: Data(bytes))
    } catch {
        throw .malformed("expected JSON, got \(excerpt(bytes))")
    }
}

/// Parses a backend's JSON (a whole answer or one streamed line), mapping failure to
/// ``BackendError/malformed(_:)`` with a short excerpt. Cheaper than `JSONDecoder` on the hot path.
func parseJSON(_ bytes: ArraySlice<UInt8>) throws(BackendError) -> JSONTree {
    do {
        return try JSONTree.parse(bytes, maxDepth: 16)
    } catch {
        throw .malformed("expected JSON, got \(excerpt(bytes))")
    }
}

/// `[{"content": …, "role": …}, …]`: a conversation as both chat APIs spell it.
func encodeMessages(_ messages: [ChatMessage]) -> String {
    "["
        + messages.map { JSONText.object([("content", .string($0.content)), ("role", .string($0.role))]) }
        .joined(separator: ",") + "]"
}

extension JSONTree {
    /// The member `key` read by `extract`: `nil` when absent or null; a malformed-answer error when it has
    /// another type (what a `Decodable` field would have refused).
    func field<T>(_ key: String, _ extract: (JSONTree) -> T?) throws(BackendError) -> T? {
        do {
            return try member(key, extract)
        } catch {
            throw .malformed("\"\(error.key)\" is \(error.found)")
        }
    }
}

/// The first 120 characters of a peer's bytes, for error messages.
func excerpt(_ bytes: some Collection<UInt8>) -> String {
    let text = String(decoding: bytes.prefix(120), as: UTF8.self)
    let oneLine = text.map { $0.isNewline ? " " : $0 }
    return "\"" + String(oneLine) + (bytes.count > 120 ? "…\"" : "\"")
}

/// Finds a human-readable message in an error body: `{"error":"…"}`, `{"error":{"message":"…"}}`,
/// `{"message":"…"}`, or the text itself.
func errorMessage(from body: [UInt8]) -> String {
    if let json = try? JSONTree.parse(body, maxDepth: 16), case .object = json {
        if let text = json["error"]?.string { return text }
        if let text = json["error"]?["message"]?.string { return text }
        if let text = json["message"]?.string { return text }
    }
    let text = String(decoding: body.prefix(300), as: UTF8.self)
    let trimmed = text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
    return trimmed.isEmpty ? "empty body" : String(trimmed)
}

/// A duration the backend reported, in ms, or `nil` when it is absent or nonsense.
func sanitizedMs(_ value: Double?, scale: Double) -> Double? {
    guard let value, value.isFinite, value >= 0 else { return nil }
    let ms = value * scale
    return ms < 86_400_000 ? ms : nil  // more than a day is not a chat timing
}

/// A count the backend reported, or `nil` when it is absent or nonsense.
func sanitizedCount(_ value: Int?) -> Int? {
    guard let value, value >= 0, value < 100_000_000 else { return nil }
    return value
}

/// Runs one chat exchange for any wire format: sends, streams, times, and classifies failures.
struct ChatCall {
    let http: HTTPClient
    let url: String
    let format: any ChatWireFormat
    let connectTimeoutMs: Int
    let totalTimeoutMs: Int
    let idleTimeoutMs: Int
    var extraHeaders: [(String, String)] = []

    func run(
        _ request: BackendChatRequest, onToken: @escaping (String) -> Bool, shouldContinue: @escaping () -> Bool
    ) throws(BackendError) -> ChatResult {
        let body = try format.encode(request)
        let exchange = HTTPExchange(
            method: "POST", url: url,
            headers: [("Content-Type", "application/json"), ("Accept", request.stream ? "*/*" : "application/json")]
                + extraHeaders,
            body: body,
            timeouts: HTTPTimeouts(
                connectMs: connectTimeoutMs, totalMs: request.totalTimeoutMs ?? totalTimeoutMs,
                idleMs: request.idleTimeoutMs ?? idleTimeoutMs))
        let started = monotonicMs()
        var result = ChatResult(model: request.model)
        var splitter = LineSplitter()
        var collected: [UInt8] = []  // error bodies and non-streamed answers
        var finished = false
        var failure: BackendError?
        var receivedAny = false

        // The callback cannot throw; it records the first failure and stops the transfer.
        let consume: (ArraySlice<UInt8>) -> Bool = { line in
            do throws(BackendError) {
                let text: String
                switch try format.parseStreamLine(line, into: &result) {
                case .token(let delta): text = delta
                case .finished(let delta):
                    finished = true
                    text = delta
                case .nothing: return true
                }
                guard !text.isEmpty else { return true }
                if result.ttftMs == nil { result.ttftMs = monotonicMs() - started }
                result.text += text
                if !onToken(text) {
                    failure = .cancelled
                    return false
                }
                return true
            } catch {
                failure = error
                return false
            }
        }

        let head: HTTPResponseHead
        do {
            head = try http.send(
                exchange,
                onData: { status, chunk in
                    receivedAny = true
                    if status >= 300 || !request.stream {
                        collected.append(contentsOf: chunk.prefix(max(0, (8 << 20) - collected.count)))
                        return true
                    }
                    guard splitter.feed(chunk, onLine: consume) else {
                        if failure == nil { failure = .malformed("a streamed line exceeded 1 MiB") }
                        return false
                    }
                    return true
                }, shouldContinue: shouldContinue)
        } catch {
            if let failure { throw failure }
            throw BackendError(error, receivedAnything: receivedAny)
        }
        if let failure { throw failure }

        result.durationMs = monotonicMs() - started
        result.connectMs = head.timings.connect * 1000
        result.firstByteMs = head.timings.firstByte * 1000
        guard (200..<300).contains(head.status) else {
            let message = errorMessage(from: collected)
            if head.status == 404 && message.lowercased().contains("not found") {
                throw .modelNotFound(request.model)
            }
            throw .backendStatus(status: head.status, message: message)
        }
        if !request.stream {
            try format.parseWholeBody(collected, into: &result)
            if result.ttftMs == nil && !result.text.isEmpty { result.ttftMs = result.durationMs }
            if !result.text.isEmpty && !onToken(result.text) { throw .cancelled }
            return result
        }
        if !finished, let last = splitter.remainder, !consume(last), let failure { throw failure }
        guard finished else {
            throw result.text.isEmpty && !receivedAny
                ? .malformed("empty answer") : .streamCut("the stream ended before the final message")
        }
        return result
    }
}

func monotonicMs() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) * 1000 + Double(now.tv_nsec) / 1e6
}

/// Joins a base URL and a path without doubling slashes.
func join(_ base: String, _ path: String) -> String {
    var base = Substring(base)
    while base.hasSuffix("/") { base = base.dropLast() }
    return String(base) + path
}
