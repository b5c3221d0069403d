import HTTPClient
import Testing

private let client: HTTPClient = {
    HTTPClient.globalInit()
    return HTTPClient()
}()

@Test func refusedConnectionIsConnectFailed() {
    #expect {
        _ = try client.fetch(HTTPExchange(url: "http://127.0.0.1:9/"))
    } throws: { error in
        guard case .connectFailed = error as? HTTPClientError else { return false }
        return true
    }
}

@Test func malformedURLIsRejectedBeforeSending() {
    #expect(throws: HTTPClientError.self) { _ = try client.fetch(HTTPExchange(url: "ht!tp:/nope")) }
    #expect {
        _ = try client.fetch(HTTPExchange(url: "file:///etc/passwd"))
    } throws: { error in
        // Only http(s) is allowed: a config mistake must not read local files.
        guard case .invalidRequest = error as? HTTPClientError else { return false }
        return true
    }
}

@Test func errorCodesAreShortAndStable() {
    #expect(HTTPClientError.idleTimeout(ms: 10).code == "idle_timeout")
    #expect(HTTPClientError.idleTimeout(ms: 10).description == "the server sent nothing for 10 ms")
}
