/// Browser, operating system and device class of a beacon's sender.
public struct ClientDevice: Sendable, Equatable {
    /// `Chrome 156`, `Firefox 128`, `Safari 17`, `Edge 120`.
    public var browser: String?
    /// `Linux`, `Windows 10`, `macOS 14.5`, `Android 14`, `iOS 17.5`.
    public var os: String?
    /// `desktop`, `mobile`, `tablet`, `bot`.
    public var device: String?

    public init(browser: String? = nil, os: String? = nil, device: String? = nil) {
        self.browser = browser
        self.os = os
        self.device = device
    }
}
