import FastCGI
import FoundationEssentials
import KagamiConfig
import LLMBackends

/// A validated chat request: the conversation, the client's options and how it wants the answer.
public struct ChatRequest: Sendable, Equatable {
    public var messages: [ChatMessage]
    public var sessionID: String?
    public var maxTokens: Int?
    public var temperature: Double?
    /// The client accepts `text/event-stream`.
    public var stream: Bool

    public init(
        messages: [ChatMessage], sessionID: String? = nil, maxTokens: Int? = nil, temperature: Double? = nil,
        stream: Bool = false
    ) {
        self.messages = messages
        self.sessionID = sessionID
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.stream = stream
    }

    /// Total characters of all messages (for spans and evaluations budgets).
    public var inputCharacters: Int { messages.reduce(0) { $0 + $1.content.count } }
}

/// The body a client sends: `{"message": "…"}` (the original page) or `{"messages": [{role, content}…]}`.
private struct ChatBody: Decodable {
    struct Options: Decodable {
        let max_tokens: Int?
        let temperature: Double?
        enum CodingKeys: String, CodingKey, CaseIterable { case max_tokens, temperature }
    }
    let message: String?
    let messages: [ChatMessage]?
    let session_id: String?
    let options: Options?
    let stream: Bool?
    enum CodingKeys: String, CodingKey, CaseIterable { case message, messages, session_id, options, stream }
}

/// Turns an HTTP request into a ``ChatRequest``, or says precisely what is wrong with it.
struct ChatRequestParser: Sendable {
    let limits: RequestLimits

    private static let roles: Set<String> = ["system", "user", "assistant"]
    private static let decoder = JSONDecoder()

    func parse(_ request: HTTPRequest, route: RouteSettings) throws(ChatFailure) -> ChatRequest {
        guard request.method == "POST" else {
            throw ChatFailure(
                status: 405, code: "method_not_allowed",
                message: "\(route.path) accepts POST with a JSON body, not \(request.method)",
                headers: [("Allow", "POST")])
        }
        if request.bodyExceedsLimit || request.body.count > limits.maxBodyBytes {
            throw ChatFailure(
                status: 413, code: "body_too_large",
                message: "the request body is larger than \(limits.maxBodyBytes) bytes")
        }
        let mediaType = request.mediaType
        guard mediaType == "application/json" || (mediaType?.hasSuffix("+json") ?? false) else {
            throw ChatFailure(
                status: 415, code: "unsupported_media_type",
                message: "send the body as Content-Type: application/json (got \(mediaType ?? "none"))")
        }
        guard !request.body.isEmpty else {
            throw ChatFailure(status: 400, code: "empty_body", message: #"the body is empty; send {"message": "…"}"#)
        }
        guard String(validating: request.body, as: UTF8.self) != nil else {
            throw ChatFailure(status: 400, code: "invalid_utf8", message: "the body is not valid UTF-8")
        }
        let body: ChatBody
        do {
            body = try Self.decoder.decode(ChatBody.self, from: Data(request.body))
        } catch let error as DecodingError {
            throw ChatFailure(status: 400, code: "invalid_json", message: describe(error))
        } catch {
            throw ChatFailure(status: 400, code: "invalid_json", message: "the body is not valid JSON")
        }
        try rejectUnknownKeys(request.body)

        var messages: [ChatMessage]
        switch (body.message, body.messages) {
        case (let text?, nil): messages = [ChatMessage(role: "user", content: text)]
        case (nil, let list?): messages = list
        case (.some, .some):
            throw ChatFailure(
                status: 400, code: "invalid_field", message: "send either \"message\" or \"messages\", not both")
        case (nil, nil):
            throw ChatFailure(
                status: 400, code: "missing_field",
                message: #"the body needs "message" (a string) or "messages" (a list of {role, content})"#)
        }
        guard !messages.isEmpty else {
            throw ChatFailure(status: 400, code: "empty_message", message: "\"messages\" is empty")
        }
        guard messages.count <= limits.maxMessages else {
            throw ChatFailure(
                status: 413, code: "too_many_messages",
                message:
                    "the conversation has \(messages.count) messages; the limit is \(limits.maxMessages). Start a new chat."
            )
        }
        for (index, message) in messages.enumerated() {
            let name = body.message != nil ? "message" : "messages[\(index)]"
            guard Self.roles.contains(message.role) else {
                throw ChatFailure(
                    status: 400, code: "invalid_field", message: "\(name).role must be system, user or assistant")
            }
            if message.content.count > limits.maxMessageChars {
                throw ChatFailure(
                    status: 413, code: "message_too_long",
                    message: "\(name) has \(message.content.count) characters; the limit is \(limits.maxMessageChars)")
            }
        }
        guard messages.last?.role == "user" else {
            throw ChatFailure(status: 400, code: "invalid_field", message: "the last message must have role \"user\"")
        }
        guard messages.last!.content.contains(where: { !$0.isWhitespace }) else {
            throw ChatFailure(status: 400, code: "empty_message", message: "the message is empty; type a question")
        }

        if let maxTokens = body.options?.max_tokens, !(1...route.maxTokens).contains(maxTokens) {
            throw ChatFailure(
                status: 400, code: "invalid_field",
                message: "options.max_tokens must be 1…\(route.maxTokens) on \(route.path)")
        }
        if let temperature = body.options?.temperature, !(0...2).contains(temperature) {
            throw ChatFailure(status: 400, code: "invalid_field", message: "options.temperature must be 0…2")
        }
        if let session = body.session_id {
            guard (1...128).contains(session.utf8.count), session.utf8.allSatisfy(isTokenByte) else {
                throw ChatFailure(
                    status: 400, code: "invalid_field", message: "session_id must be 1…128 of A-Z a-z 0-9 - _ . :")
            }
        }
        let accept = request.header("Accept") ?? ""
        return ChatRequest(
            messages: messages, sessionID: body.session_id, maxTokens: body.options?.max_tokens,
            temperature: body.options?.temperature,
            stream: body.stream ?? accept.lowercased().contains("text/event-stream"))
    }

    /// Unknown keys are mistakes (a typo in `mesage` would otherwise read as "missing message").
    private func rejectUnknownKeys(_ body: [UInt8]) throws(ChatFailure) {
        struct Keys: Decodable {
            let top: [String]
            let options: [String]
            init(from decoder: Decoder) throws {
                let container = try decoder.container(keyedBy: AnyKey.self)
                top = container.allKeys.map(\.stringValue)
                if container.contains(AnyKey("options")),
                    let nested = try? container.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("options"))
                {
                    options = nested.allKeys.map(\.stringValue)
                } else {
                    options = []
                }
            }
        }
        guard let keys = try? Self.decoder.decode(Keys.self, from: Data(body)) else { return }
        let knownTop = Set(ChatBody.CodingKeys.allCases.map(\.rawValue))
        if let unknown = keys.top.first(where: { !knownTop.contains($0) }) {
            throw ChatFailure(
                status: 400, code: "unknown_field",
                message:
                    "unknown field \"\(unknown.prefix(64))\" (known: message, messages, session_id, options, stream)")
        }
        let knownOptions = Set(ChatBody.Options.CodingKeys.allCases.map(\.rawValue))
        if let unknown = keys.options.first(where: { !knownOptions.contains($0) }) {
            throw ChatFailure(
                status: 400, code: "unknown_field",
                message: "unknown field \"options.\(unknown.prefix(64))\" (known: max_tokens, temperature)")
        }
    }

    private func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        switch error {
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let name = path(context.codingPath)
            let expected =
                type == String.self
                ? "a string"
                : type == Int.self
                    ? "an integer"
                    : type == Bool.self
                        ? "true or false"
                        : type == Double.self ? "a number" : "an object or list of the documented shape"
            return name.isEmpty ? "the body must be a JSON object" : "\(name) must be \(expected)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is required"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "the body is not valid JSON" : "\(path(context.codingPath)) has an invalid value"
        @unknown default:
            return "the body is not valid JSON"
        }
    }
}

private func isTokenByte(_ byte: UInt8) -> Bool {
    (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45 || byte == 95
        || byte == 46 || byte == 58
}

/// Any JSON object key.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
