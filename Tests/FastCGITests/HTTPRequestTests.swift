import FastCGI
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

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

/// Resident file-backed memory of this process (`RssFile` in /proc/self/status), in bytes.
private func residentFileBytes() -> Int {
    let status = String(decoding: readAll("/proc/self/status"), as: UTF8.self)
    let line = status.split(separator: "\n").first { $0.hasPrefix("RssFile:") } ?? "RssFile: -1 kB"
    return (Int(line.split(separator: " ")[1]) ?? -1) * 1024
}

private func readAll(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(fd, &chunk, chunk.count)
        if count <= 0 { break }
        bytes += chunk[0..<count]
    }
    return bytes
}

@Test func releasingStartupPagesUnmapsCleanCodeAndTheProcessKeepsWorking() {
    let before = residentFileBytes()
    let released = FastCGIServer.releaseStartupPages()
    let after = residentFileBytes()
    // The test runner has touched megabytes of its own code and of libc, Foundation and SQLite by now.
    #expect(released > 1 << 20)
    #expect(after < before - released / 2, "RssFile \(before) → \(after) after releasing \(released) bytes")
    // Code and constants come back on use; relocated data (never released) still holds its pointers.
    let request = HTTPRequest(params: ["REQUEST_METHOD": "GET", "DOCUMENT_URI": "/rum", "CONTENT_LENGTH": "3"])
    #expect(request.method == "GET" && request.path == "/rum" && request.contentLength == 3)
    #expect(ListenAddress.parse("127.0.0.1:9000") == .tcp(host: "127.0.0.1", port: 9000))
}
