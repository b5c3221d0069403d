import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// Who is sending: the OTLP resource attributes and the matching Datadog tags.
public struct ExportResource: Sendable, Equatable {
    public var serviceName: String
    public var serviceVersion: String
    public var hostName: String
    /// `deployment.environment`; `nil` leaves it out.
    public var environment: String?

    /// The version Kagami reports as `service.version` and instrumentation scope version.
    public static let kagamiVersion = "0.6.0"

    public init(
        serviceName: String = "kagami", serviceVersion: String = ExportResource.kagamiVersion,
        hostName: String = ExportResource.currentHostName(), environment: String? = nil
    ) {
        self.serviceName = serviceName
        self.serviceVersion = serviceVersion
        self.hostName = hostName
        self.environment = environment
    }

    /// Resource attributes in a fixed order (stable payloads and fixtures).
    public var attributes: [(String, AttributeValue)] {
        var list: [(String, AttributeValue)] = [
            ("service.name", .string(serviceName)), ("service.version", .string(serviceVersion)),
            ("host.name", .string(hostName)),
        ]
        if let environment { list.append(("deployment.environment", .string(environment))) }
        list.append(("telemetry.sdk.name", .string("kagami")))
        list.append(("telemetry.sdk.language", .string("swift")))
        return list
    }

    /// `gethostname(2)`, or `localhost`.
    public static func currentHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return bytes.isEmpty ? "localhost" : String(decoding: bytes, as: UTF8.self)
    }
}
