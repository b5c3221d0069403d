import CCurl

#if canImport(Glibc)
    import Glibc
#endif

/// Owns one libcurl easy handle. Reusing it keeps the backend connection alive between requests.
///
/// `@unchecked Sendable`: a handle belongs to one thread (``HTTPClient`` keeps one per thread).
final class CurlEasy: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    /// Set while a transfer runs on this handle.
    var inUse = false

    init() throws(HTTPClientError) {
        guard let handle = curl_easy_init() else { throw .invalidRequest("curl_easy_init failed") }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// Per-transfer state the C callbacks reach through their `void *` argument.
    final class Transfer {
        let handle: UnsafeMutableRawPointer
        let onData: (Int, UnsafeRawBufferPointer) -> Bool
        var status = 0
        let shouldContinue: () -> Bool
        let idleNs: UInt64
        var lastDataNs: UInt64
        var lastContinueCheckNs: UInt64 = 0
        var stopReason: HTTPClientError?

        init(
            handle: UnsafeMutableRawPointer, idleMs: Int, onData: @escaping (Int, UnsafeRawBufferPointer) -> Bool,
            shouldContinue: @escaping () -> Bool
        ) {
            self.handle = handle
            self.onData = onData
            self.shouldContinue = shouldContinue
            self.idleNs = UInt64(max(idleMs, 0)) * 1_000_000
            self.lastDataNs = monotonicNanoseconds()
        }
    }

    /// Performs one exchange, handing the status and body bytes to `onData` as they arrive. Returning `false`
    /// from `onData` or `shouldContinue` aborts the transfer with ``HTTPClientError/cancelled``.
    func perform(
        _ exchange: HTTPExchange, onData: @escaping (Int, UnsafeRawBufferPointer) -> Bool,
        shouldContinue: @escaping () -> Bool
    ) throws(HTTPClientError) -> HTTPResponseHead {
        let transfer = Transfer(
            handle: handle, idleMs: exchange.timeouts.idleMs, onData: onData, shouldContinue: shouldContinue)
        let context = Unmanaged.passUnretained(transfer).toOpaque()

        var headerList: UnsafeMutablePointer<curl_slist>?
        for (name, value) in exchange.headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        // Without this, libcurl sends "Expect: 100-continue" for larger bodies and waits a second for it.
        headerList = curl_slist_append(headerList, "Expect:")
        defer { curl_slist_free_all(headerList) }

        kagami_curl_setopt_ptr(handle, CURLOPT_URL, exchange.url)
        kagami_curl_setopt_ptr(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        kagami_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        kagami_curl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        kagami_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, exchange.timeouts.connectMs)
        kagami_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, exchange.timeouts.totalMs)
        kagami_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, headerList)
        kagami_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, context)
        kagami_curl_setopt_write(handle) { pointer, size, count, context in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            transfer.lastDataNs = monotonicNanoseconds()
            if transfer.status == 0 {
                var status = 0
                kagami_curl_getinfo_long(transfer.handle, CURLINFO_RESPONSE_CODE, &status)
                transfer.status = status
            }
            guard transfer.onData(transfer.status, UnsafeRawBufferPointer(start: pointer, count: length)) else {
                transfer.stopReason = .cancelled
                return 0  // anything but `length` makes libcurl abort with CURLE_WRITE_ERROR
            }
            return length
        }
        kagami_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        kagami_curl_setopt_ptr(handle, CURLOPT_XFERINFODATA, context)
        kagami_curl_setopt_xferinfo(handle) { context, _, _, _, _ in
            // Called on every received chunk and about once a second while idle.
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            let now = monotonicNanoseconds()
            if transfer.idleNs > 0 && now - transfer.lastDataNs > transfer.idleNs {
                transfer.stopReason = .idleTimeout(ms: Int(transfer.idleNs / 1_000_000))
                return 1
            }
            // Checking the client costs a syscall; a few times a second is enough to abort within a second.
            if now - transfer.lastContinueCheckNs > 200_000_000 {
                transfer.lastContinueCheckNs = now
                if !transfer.shouldContinue() {
                    transfer.stopReason = .cancelled
                    return 1
                }
            }
            return 0
        }

        let code: CURLcode
        switch exchange.method {
        case "GET":
            kagami_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
            code = curl_easy_perform(handle)
        default:
            kagami_curl_setopt_ptr(handle, CURLOPT_CUSTOMREQUEST, exchange.method == "POST" ? nil : exchange.method)
            kagami_curl_setopt_long(handle, CURLOPT_POST, 1)
            code = exchange.body.withUnsafeBytes { body in
                kagami_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                kagami_curl_setopt_ptr(handle, CURLOPT_POSTFIELDS, body.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
                return curl_easy_perform(handle)
            }
            kagami_curl_setopt_ptr(handle, CURLOPT_POSTFIELDS, nil)
        }
        kagami_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, nil)

        let timings = readTimings()
        guard code == CURLE_OK else {
            throw classify(code, transfer: transfer, timings: timings, timeouts: exchange.timeouts)
        }
        var status = 0
        kagami_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var contentType: UnsafeMutablePointer<CChar>?
        kagami_curl_getinfo_str(handle, CURLINFO_CONTENT_TYPE, &contentType)
        var retryAfter: curl_off_t = 0
        kagami_curl_getinfo_off(handle, CURLINFO_RETRY_AFTER, &retryAfter)
        return HTTPResponseHead(
            status: status, contentType: contentType.map { String(cString: $0) }, timings: timings,
            retryAfterSeconds: retryAfter > 0 ? Int(retryAfter) : nil)
    }

    private func readTimings() -> HTTPTimings {
        var connect: curl_off_t = 0
        var firstByte: curl_off_t = 0
        var total: curl_off_t = 0
        var connects = 0
        kagami_curl_getinfo_off(handle, CURLINFO_CONNECT_TIME_T, &connect)
        kagami_curl_getinfo_off(handle, CURLINFO_STARTTRANSFER_TIME_T, &firstByte)
        kagami_curl_getinfo_off(handle, CURLINFO_TOTAL_TIME_T, &total)
        kagami_curl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
        return HTTPTimings(
            connect: Double(connect) / 1e6, firstByte: Double(firstByte) / 1e6, total: Double(total) / 1e6,
            reusedConnection: connects == 0)
    }

    private func classify(
        _ code: CURLcode, transfer: Transfer, timings: HTTPTimings, timeouts: HTTPTimeouts
    ) -> HTTPClientError {
        if let reason = transfer.stopReason { return reason }
        let detail = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .connectFailed(detail)
        case CURLE_OPERATION_TIMEDOUT:
            return timings.connect == 0 && !timings.reusedConnection
                ? .connectTimeout(ms: timeouts.connectMs) : .totalTimeout(ms: timeouts.totalMs)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT:
            return .invalidRequest(detail)
        default:
            return .transport(detail)
        }
    }
}

func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}
