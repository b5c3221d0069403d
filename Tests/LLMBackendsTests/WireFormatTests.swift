import Testing

@testable import LLMBackends

/// Feeds `text` through a splitter in small pieces, as the network would.
private func lines(_ text: String, chunk: Int = 7) -> [String] {
    var splitter = LineSplitter()
    var out: [String] = []
    let bytes = Array(text.utf8)
    var index = 0
    while index < bytes.count {
        let piece = Array(bytes[index..<min(index + chunk, bytes.count)])
        _ = piece.withUnsafeBytes { buffer in
            splitter.feed(buffer) { line in
                out.append(String(decoding: line, as: UTF8.self))
                return true
            }
        }
        index += chunk
    }
    if let rest = splitter.remainder { out.append(String(decoding: rest, as: UTF8.self)) }
    return out
}

@Test func lineSplitterHandlesLinesAcrossChunksAndCRLF() {
    #expect(lines("one\r\ntwo\nthree") == ["one", "two", "three"])
    #expect(lines("a\n\nb\n", chunk: 1) == ["a", "", "b"])
}

@Test func lineSplitterRejectsEndlessLines() {
    var splitter = LineSplitter(maxLineBytes: 10)
    let ok = Array(repeating: UInt8(97), count: 11).withUnsafeBytes { splitter.feed($0) { _ in true } }
    #expect(!ok)
}

@Test func ollamaStreamYieldsTokensThenMetrics() throws {
    let wire = OllamaWire()
    var result = ChatResult()
    let token = try wire.parseStreamLine(
        Array(#"{"model":"m","message":{"role":"assistant","content":"Hi"},"done":false}"#.utf8)[...], into: &result)
    guard case .token("Hi") = token else { Issue.record("expected a token, got \(token)"); return }
    let final = try wire.parseStreamLine(
        Array(
            #"{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"length","total_duration":5000000000,"load_duration":2200000000,"prompt_eval_count":12,"prompt_eval_duration":300000000,"eval_count":40,"eval_duration":2000000000}"#
                .utf8)[...], into: &result)
    guard case .finished("") = final else { Issue.record("expected the end, got \(final)"); return }
    #expect(result.doneReason == "length")
    #expect(result.promptTokens == 12 && result.completionTokens == 40)
    #expect(result.backendTimings.loadMs == 2200 && result.backendTimings.generationMs == 2000)
    #expect(result.backendTimings.totalMs == 5000 && result.backendTimings.promptEvalMs == 300)
    result.completionTokens = 40
    #expect(result.tokensPerSecond == 20)
}

@Test func ollamaNonsenseTimingsAreDroppedNotTrusted() throws {
    var result = ChatResult()
    _ = try OllamaWire().parseStreamLine(
        Array(#"{"done":true,"load_duration":-5,"eval_count":-1,"eval_duration":1e30,"prompt_eval_count":3}"#.utf8)[
            ...],
        into: &result)
    #expect(result.backendTimings.loadMs == nil)
    #expect(result.completionTokens == nil)
    #expect(result.backendTimings.generationMs == nil)
    #expect(result.promptTokens == 3)
}

@Test func ollamaErrorLineAndGarbage() {
    var result = ChatResult()
    #expect(throws: BackendError.backendStatus(status: 200, message: "model crashed")) {
        try OllamaWire().parseStreamLine(Array(#"{"error":"model crashed"}"#.utf8)[...], into: &result)
    }
    #expect(throws: BackendError.self) {
        try OllamaWire().parseStreamLine(Array("<html>".utf8)[...], into: &result)
    }
}

@Test func ollamaRequestUsesNumPredictNotMaxTokens() throws {
    let body = try OllamaWire().encode(
        BackendChatRequest(
            model: "m", messages: [ChatMessage(role: "user", content: "hi")], maxTokens: 40, temperature: 0.5,
            keepAlive: "10m"))
    let text = String(decoding: body, as: UTF8.self)
    #expect(text.contains(#""num_predict":40"#))
    #expect(!text.contains("max_tokens"))
    #expect(text.contains(#""keep_alive":"10m""#))
    let numeric = try OllamaWire().encode(BackendChatRequest(model: "m", messages: [], keepAlive: "-1"))
    #expect(String(decoding: numeric, as: UTF8.self).contains(#""keep_alive":-1"#))
}

@Test func ollamaWholeBody() throws {
    var result = ChatResult()
    try OllamaWire().parseWholeBody(
        Array(#"{"model":"m","message":{"role":"assistant","content":"All of it"},"done":true,"eval_count":3}"#.utf8),
        into: &result)
    #expect(result.text == "All of it" && result.completionTokens == 3)
}

@Test func openAIStreamTokensUsageTimingsAndDone() throws {
    let wire = OpenAIWire()
    var result = ChatResult()
    var texts: [String] = []
    var finished = false
    let stream = """
        : keep-alive comment
        data: {"model":"g","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}

        data: {"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}]}

        data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}

        data: {"choices":[],"usage":{"prompt_tokens":25,"completion_tokens":2},"timings":{"prompt_n":25,"prompt_ms":51.9,"predicted_n":2,"predicted_ms":20.5,"cache_n":4}}

        data: [DONE]
        """
    for line in stream.split(separator: "\n", omittingEmptySubsequences: false) {
        switch try wire.parseStreamLine(Array(line.utf8)[...], into: &result) {
        case .token(let text): texts.append(text)
        case .finished: finished = true
        case .nothing: break
        }
    }
    #expect(texts.joined() == "Hello")
    #expect(finished)
    #expect(result.doneReason == "length" && result.model == "g")
    #expect(result.promptTokens == 25 && result.completionTokens == 2)
    #expect(result.backendTimings.promptEvalMs == 51.9 && result.backendTimings.cachedPromptTokens == 4)
}

@Test func openAIErrorsInBothShapes() {
    var result = ChatResult()
    #expect(throws: BackendError.backendStatus(status: 200, message: "boom")) {
        try OpenAIWire().parseStreamLine(Array(#"data: {"error":{"message":"boom"}}"#.utf8)[...], into: &result)
    }
    #expect(throws: BackendError.backendStatus(status: 200, message: "flat")) {
        try OpenAIWire().parseStreamLine(Array(#"data: {"error":"flat"}"#.utf8)[...], into: &result)
    }
}

@Test func openAIRequestAsksForUsageWhenStreaming() throws {
    let body = try OpenAIWire().encode(
        BackendChatRequest(model: "m", messages: [ChatMessage(role: "user", content: "x")], maxTokens: 8))
    let text = String(decoding: body, as: UTF8.self)
    #expect(text.contains(#""include_usage":true"#) && text.contains(#""max_tokens":8"#))
}

@Test func errorMessagesAreFoundInCommonShapes() {
    #expect(errorMessage(from: Array(#"{"error":"model 'x' not found"}"#.utf8)) == "model 'x' not found")
    #expect(errorMessage(from: Array(#"{"error":{"message":"bad"}}"#.utf8)) == "bad")
    #expect(errorMessage(from: Array("  plain text\n".utf8)) == "plain text")
    #expect(errorMessage(from: []) == "empty body")
}

@Test func baseURLsAreNormalized() {
    let http = HTTPClientStub.shared
    #expect(OpenAIClient(baseURL: "http://h:1/v1/", http: http).baseURL == "http://h:1")
    #expect(join("http://h:1/", "/api/chat") == "http://h:1/api/chat")
}
