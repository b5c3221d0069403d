import FastCGI
import KagamiConfig
import LLMBackends
import Telemetry

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
private struct ChatBody {
    static let keys = ["message", "messages", "session_id", "options", "stream"]
    static let optionKeys = ["max_tokens", "temperature"]

    var message: String?
    var messages: [ChatMessage]?
    var sessionID: String?
    var maxTokens: Int?
    var temperature: Double?
    var stream: Bool?

    /// Reads the body's fields, with a reason for the first one of the wrong type. `null` counts as absent.
    init(_ root: JSONTree) throws(ChatFailure) {
        guard case .object(let members) = root else { throw Self.invalid("the body must be a JSON object") }
        message = try Self.field(root, "message", "a string") { $0.string }
        if let list = root["messages"], list != .null {
            guard case .array(let items) = list else {
                throw Self.invalid("messages must be a list of {role, content}")
            }
            var messages: [ChatMessage] = []
            messages.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                guard case .object = item else { throw Self.invalid("messages[\(index)] must be an object") }
                guard let role = try Self.field(item, "role", "a string", path: "messages[\(index)]", { $0.string })
                else { throw Self.invalid("messages[\(index)].role is required") }
                guard
                    let content = try Self.field(item, "content", "a string", path: "messages[\(index)]", { $0.string })
                else { throw Self.invalid("messages[\(index)].content is required") }
                messages.append(ChatMessage(role: role, content: content))
            }
            self.messages = messages
        }
        sessionID = try Self.field(root, "session_id", "a string") { $0.string }
        stream = try Self.field(root, "stream", "true or false") { $0.bool }
        if let options = root["options"], options != .null {
            guard case .object(let optionMembers) = options else { throw Self.invalid("options must be an object") }
            maxTokens = try Self.field(options, "max_tokens", "an integer", path: "options") { $0.int }
            temperature = try Self.field(options, "temperature", "a number", path: "options") { $0.number }
            // Unknown keys are mistakes (a typo in `mesage` would otherwise read as "missing message").
            if let unknown = optionMembers.first(where: { !Self.optionKeys.contains($0.0) }) {
                throw ChatFailure(
                    status: 400, code: "unknown_field",
                    message: "unknown field \"options.\(unknown.0.prefix(64))\" (known: max_tokens, temperature)")
            }
        }
        if let unknown = members.first(where: { !Self.keys.contains($0.0) }) {
            throw ChatFailure(
                status: 400, code: "unknown_field",
                message:
                    "unknown field \"\(unknown.0.prefix(64))\" (known: message, messages, session_id, options, stream)")
        }
    }

    private static func invalid(_ message: String) -> ChatFailure {
        ChatFailure(status: 400, code: "invalid_json", message: message)
    }

    /// `object[key]` read by `extract`; `nil` when absent or null, a ``ChatFailure`` when of another type.
    private static func field<T>(
        _ object: JSONTree, _ key: String, _ expected: String, path: String = "", _ extract: (JSONTree) -> T?
    ) throws(ChatFailure) -> T? {
        do {
            return try object.member(key, extract)
        } catch {
            throw invalid("\(path.isEmpty ? "" : path + ".")\(key) must be \(expected), not \(error.found)")
        }
    }
}

/// Turns an HTTP request into a ``ChatRequest``, or says precisely what is wrong with it.
struct ChatRequestParser: Sendable {
    let limits: RequestLimits

    private static let roles: Set<String> = ["system", "user", "assistant"]

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
            body = try ChatBody(JSONTree.parse(request.body))
        } catch let error as JSONTreeError {
            throw ChatFailure(status: 400, code: "invalid_json", message: "the body is not valid JSON: \(error)")
        } catch let error as ChatFailure {
            throw error
        } catch {
            throw ChatFailure(status: 400, code: "invalid_json", message: "the body is not valid JSON")
        }

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

        if let maxTokens = body.maxTokens, !(1...route.maxTokens).contains(maxTokens) {
            throw ChatFailure(
                status: 400, code: "invalid_field",
                message: "options.max_tokens must be 1…\(route.maxTokens) on \(route.path)")
        }
        if let temperature = body.temperature, !(0...2).contains(temperature) {
            throw ChatFailure(status: 400, code: "invalid_field", message: "options.temperature must be 0…2")
        }
        if let session = body.sessionID {
            guard (1...128).contains(session.utf8.count), session.utf8.allSatisfy(isTokenByte) else {
                throw ChatFailure(
                    status: 400, code: "invalid_field", message: "session_id must be 1…128 of A-Z a-z 0-9 - _ . :")
            }
        }
        return ChatRequest(
            messages: messages, sessionID: body.sessionID, maxTokens: body.maxTokens, temperature: body.temperature,
            stream: body.stream ?? request.accepts("text/event-stream"))
    }
}

private func isTokenByte(_ byte: UInt8) -> Bool {
    (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45 || byte == 95
        || byte == 46 || byte == 58
}
