import HTTPClient
import Testing

@testable import LLMBackends

enum HTTPClientStub {
    static let shared: HTTPClient = {
        HTTPClient.globalInit()
        return HTTPClient()
    }()
}

@Test func refusedConnectionIsUnavailable() {
    // Port 9 (discard) on loopback: nothing listens there on a test machine.
    let client = OllamaClient(baseURL: "http://127.0.0.1:9", http: HTTPClientStub.shared)
    #expect {
        _ = try client.chat(
            BackendChatRequest(model: "m", messages: [ChatMessage(role: "user", content: "x")]), onToken: { _ in true },
            shouldContinue: { true })
    } throws: { error in
        guard let error = error as? BackendError, case .unavailable = error else { return false }
        return error.httpStatus == 503
    }
    #expect(throws: BackendError.self) { try client.listModels() }
}

@Test func backendErrorsMapToGatewayStatuses() {
    #expect(BackendError(.connectFailed("x"), receivedAnything: false).httpStatus == 503)
    #expect(BackendError(.idleTimeout(ms: 5), receivedAnything: true).httpStatus == 504)
    #expect(BackendError(.totalTimeout(ms: 5), receivedAnything: false).httpStatus == 504)
    #expect(BackendError(.transport("reset"), receivedAnything: true) == .streamCut("reset"))
    #expect(BackendError(.transport("reset"), receivedAnything: false).httpStatus == 502)
    #expect(BackendError.modelNotFound("m").httpStatus == 404)
}
