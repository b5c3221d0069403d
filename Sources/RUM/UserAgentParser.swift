import Telemetry

/// Browser, OS and device class from request headers: User-Agent Client Hints (`Sec-CH-UA`,
/// `Sec-CH-UA-Platform`, `Sec-CH-UA-Mobile`) where the browser sends them, else a User-Agent parse.
///
/// Hand-written for the browsers and systems that matter for a chat page (Chrome, Edge, Opera, Samsung
/// Internet, Firefox, Safari; Windows, macOS, iOS/iPadOS, Android, ChromeOS, Linux) plus common bots. It reads
/// major versions only; anything else is reported by its family or as `Other`.
public enum UserAgentParser {
    /// Parses what the request headers say about the client.
    public static func device(
        userAgent: String?, clientHints: String?, platformHint: String?, mobileHint: String?
    )
        -> ClientDevice
    {
        var result = userAgent.map(parse) ?? ClientDevice()
        if let hints = clientHints, let brand = preferredBrand(hints) {
            result.browser = brand
        }
        if let platform = platformHint.map(unquote), !platform.isEmpty, platform.count <= 32 {
            // The platform hint carries no version; keep the UA's version when the family agrees.
            if !(result.os ?? "").hasPrefix(platform == "macOS" ? "macOS" : platform) { result.os = platform }
        }
        if let mobile = mobileHint, result.device != "bot" {
            result.device = mobile == "?1" ? "mobile" : (result.device == "tablet" ? "tablet" : "desktop")
        }
        return result
    }

    /// Parses a User-Agent string.
    ///
    /// Works on ASCII bytes: a beacon handler parses one per request, and `String` searches with `Character`
    /// semantics cost more than everything else the handler does.
    public static func parse(_ ua: String) -> ClientDevice {
        let text = UABytes(ua)
        if ["bot", "crawler", "spider", "headlesschrome", "curl/", "wget/", "python-requests", "python-urllib"]
            .contains(where: { text.lower.contains($0) })
        {
            return ClientDevice(browser: botName(text), os: os(text), device: "bot")
        }
        return ClientDevice(browser: browser(text), os: os(text), device: deviceClass(text))
    }

    static func browser(_ ua: UABytes) -> String? {
        // Order matters: Edge, Opera and Samsung Internet also say "Chrome", Chrome also says "Safari".
        let families: [(token: String, name: String)] = [
            ("EdgA/", "Edge"), ("EdgiOS/", "Edge"), ("Edg/", "Edge"), ("OPR/", "Opera"),
            ("SamsungBrowser/", "Samsung Internet"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
            ("CriOS/", "Chrome"), ("Chromium/", "Chromium"), ("Chrome/", "Chrome"),
        ]
        for family in families {
            if let version = ua.version(after: family.token, parts: 1) { return "\(family.name) \(version)" }
        }
        if ua.raw.contains("Safari/"), let version = ua.version(after: "Version/", parts: 1) {
            return "Safari \(version)"
        }
        if ua.raw.contains("Mozilla/") { return "Other" }
        return nil
    }

    static func os(_ ua: UABytes) -> String? {
        if let version = ua.version(after: "Windows NT ", parts: 2) {
            let names = ["10.0": "Windows 10", "6.3": "Windows 8.1", "6.2": "Windows 8", "6.1": "Windows 7"]
            return names[version] ?? "Windows"
        }
        if let version = ua.version(after: "Android ", parts: 2) { return "Android \(version)" }
        if ua.raw.contains("Android") { return "Android" }
        if ua.raw.contains("iPhone") || ua.raw.contains("iPad") || ua.raw.contains("iPod") {
            if let version = ua.version(after: "OS ", parts: 2) { return "iOS \(version)" }
            return "iOS"
        }
        if ua.raw.contains("CrOS") { return "ChromeOS" }
        if let version = ua.version(after: "Mac OS X ", parts: 2) { return "macOS \(version)" }
        if ua.raw.contains("Macintosh") { return "macOS" }
        if ua.raw.contains("Linux") || ua.raw.contains("X11") { return "Linux" }
        return nil
    }

    static func deviceClass(_ ua: UABytes) -> String {
        let lower = ua.lower
        if lower.contains("ipad") || lower.contains("tablet")
            || (lower.contains("android") && !lower.contains("mobile"))
        {
            return "tablet"
        }
        if lower.contains("mobi") || lower.contains("iphone") || lower.contains("ipod") { return "mobile" }
        return "desktop"
    }

    static func botName(_ ua: UABytes) -> String {
        for name in ["Googlebot", "bingbot", "HeadlessChrome", "curl", "Wget", "python-requests"]
        where ua.raw.contains(name) {
            return name
        }
        return "Bot"
    }

    /// The most specific brand in a `Sec-CH-UA` list (`"Chromium";v="156", "Google Chrome";v="156",
    /// "Not=A?Brand";v="24"`): a named browser over plain Chromium, never the GREASE brand.
    static func preferredBrand(_ header: String) -> String? {
        var chosen: (name: String, version: String)?
        for item in header.split(separator: ",").prefix(8) {
            let parts = item.split(separator: ";", maxSplits: 1)
            let name = unquote(String(parts[0]))
            guard !name.isEmpty, name.count <= 40, !name.lowercased().contains("brand") else { continue }
            var version = ""
            if parts.count == 2, let equals = parts[1].firstIndex(of: "=") {
                version = unquote(String(parts[1][parts[1].index(after: equals)...]))
            }
            let major = String(version.prefix { $0.isNumber }.prefix(6))
            if chosen == nil || chosen!.name == "Chromium" { chosen = (name, major) }
        }
        guard let chosen else { return nil }
        let name = chosen.name == "Google Chrome" ? "Chrome" : (chosen.name == "Microsoft Edge" ? "Edge" : chosen.name)
        return chosen.version.isEmpty ? name : "\(name) \(chosen.version)"
    }

    private static func unquote(_ text: String) -> String {
        var s = Substring(text)
        while let c = s.first, c == " " || c == "\"" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\"" { s.removeLast() }
        return String(s)
    }
}

/// A User-Agent as bytes (at most 512), plus an ASCII-lower-cased copy, with cheap searches.
struct UABytes {
    let raw: ByteText
    let lower: ByteText

    init(_ text: String) {
        let bytes = Array(text.utf8.prefix(512))
        raw = ByteText(bytes: bytes)
        lower = ByteText(bytes: bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 })
    }

    /// Up to `parts` dot- or underscore-separated numbers right after `token` (`14.5` from `Android 14.5.1`,
    /// `17.5` from `OS 17_5`); `nil` when the token is absent or no digit follows.
    func version(after token: String, parts: Int) -> String? {
        guard let start = raw.end(of: token) else { return nil }
        var out: [UInt8] = []
        var count = 1
        var index = start
        while index < raw.bytes.count, out.count < 16 {
            let byte = raw.bytes[index]
            if byte >= 0x30 && byte <= 0x39 {
                out.append(byte)
            } else if (byte == 0x2E || byte == 0x5F) && count < parts && index + 1 < raw.bytes.count
                && raw.bytes[index + 1] >= 0x30 && raw.bytes[index + 1] <= 0x39 && !out.isEmpty
            {
                out.append(0x2E)
                count += 1
            } else {
                break
            }
            index += 1
        }
        return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
    }
}

/// Bytes with a plain substring search (the needles are short ASCII tokens).
struct ByteText {
    let bytes: [UInt8]

    func contains(_ needle: String) -> Bool { end(of: needle) != nil }

    /// The index just past the first occurrence of `needle`.
    func end(of needle: String) -> Int? {
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty, pattern.count <= bytes.count else { return nil }
        let first = pattern[0]
        var index = 0
        let last = bytes.count - pattern.count
        while index <= last {
            if bytes[index] == first {
                var offset = 1
                while offset < pattern.count && bytes[index + offset] == pattern[offset] { offset += 1 }
                if offset == pattern.count { return index + pattern.count }
            }
            index += 1
        }
        return nil
    }
}

/// Remembers ``UserAgentParser/device(userAgent:clientHints:platformHint:mobileHint:)`` answers: a site's visitors
/// send a few hundred distinct header sets, and a lookup costs a fraction of a parse. Lookups share a
/// ``ReadWriteLock`` (readers never wait for each other); up to `capacity` answers are kept, then the cache starts
/// over (no eviction bookkeeping on the request path).
public final class UserAgentCache: Sendable {
    private struct Key: Hashable {
        let userAgent: String?
        let clientHints: String?
        let platformHint: String?
        let mobileHint: String?
    }

    private let entries = ReadWriteLock<[Key: ClientDevice]>([:])
    private let capacity: Int

    public init(capacity: Int = 4_096) {
        self.capacity = capacity
    }

    /// The parsed device for these headers, from the cache when they were seen before.
    public func device(
        userAgent: String?, clientHints: String?, platformHint: String?, mobileHint: String?
    )
        -> ClientDevice
    {
        // Headers longer than a real browser's are parsed each time rather than kept.
        guard (userAgent?.utf8.count ?? 0) + (clientHints?.utf8.count ?? 0) <= 1_024 else {
            return UserAgentParser.device(
                userAgent: userAgent, clientHints: clientHints, platformHint: platformHint, mobileHint: mobileHint)
        }
        let key = Key(
            userAgent: userAgent, clientHints: clientHints, platformHint: platformHint, mobileHint: mobileHint)
        if let known = entries.read({ $0[key] }) { return known }
        let device = UserAgentParser.device(
            userAgent: userAgent, clientHints: clientHints, platformHint: platformHint, mobileHint: mobileHint)
        entries.write { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = device
        }
        return device
    }
}
