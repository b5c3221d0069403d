import FastCGI
import TestSupport
import Testing

@Test func requestAccessorsReadCGIParameters() {
    let request = HTTPRequest(params: [
        "REQUEST_METHOD": "POST", "DOCUMENT_URI": "/chat", "CONTENT_TYPE": "Application/JSON; charset=utf-8",
        "CONTENT_LENGTH": "12", "HTTP_ACCEPT": "text/event-stream", "HTTP_X_REQUEST_ID": "abc",
    ])
    #expect(request.method == "POST" && request.path == "/chat")
    #expect(request.mediaType == "application/json")
    #expect(request.contentLength == 12)
    #expect(request.header("accept") == "text/event-stream")
    #expect(request.header("X-Request-Id") == "abc")
}

@Test func bodilessRequestsHaveNoContentLength() {
    // nginx passes CONTENT_LENGTH as an empty string for bodiless requests.
    let request = HTTPRequest(params: ["CONTENT_LENGTH": "", "REQUEST_URI": "/granite?x=1"])
    #expect(request.contentLength == nil)
    #expect(request.path == "/granite")
    #expect(request.mediaType == nil)
}

@Test func listenAddressForms() {
    #expect(ListenAddress.parse("/run/kagami/chat.sock") == .unix(path: "/run/kagami/chat.sock", mode: 0o660))
    #expect(ListenAddress.parse("unix:./x.sock", unixMode: 0o600) == .unix(path: "./x.sock", mode: 0o600))
    #expect(ListenAddress.parse("127.0.0.1:9000") == .tcp(host: "127.0.0.1", port: 9000))
    #expect(ListenAddress.parse(":9000") == .tcp(host: "127.0.0.1", port: 9000))
    #expect(ListenAddress.parse("tcp:localhost:70000") == nil)
    #expect(ListenAddress.parse("nonsense") == nil)
}

@Test func inMemoryWriterSimulatesADisconnect() throws {
    let writer = InMemoryResponseWriter()
    writer.disconnectAfterBytes = 4
    try writer.start(status: 200, headers: [])
    try writer.write("abcd")
    #expect(!writer.isClientConnected)
    #expect(throws: ClientGoneError.self) { try writer.write("e") }
}

@Test func acceptListsAMediaTypeInAnyCase() {
    func request(_ accept: String?) -> HTTPRequest {
        HTTPRequest(params: accept.map { ["HTTP_ACCEPT": $0] } ?? [:])
    }
    #expect(request("text/event-stream").accepts("text/event-stream"))
    #expect(request("application/json, Text/Event-Stream;q=0.9").accepts("text/event-stream"))
    #expect(!request("application/json").accepts("text/event-stream"))
    #expect(!request("text/event").accepts("text/event-stream"))
    #expect(!request(nil).accepts("text/event-stream"))
    #expect(request("x").header("accept") == "x" && request("x").header("ACCEPT") == "x")
}
