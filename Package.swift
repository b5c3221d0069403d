// swift-tools-version:6.0
import PackageDescription

// Warnings are errors everywhere: a warning today is a bug report tomorrow.
let strict: [SwiftSetting] = [.unsafeFlags(["-warnings-as-errors"])]

let package = Package(
    name: "Kagami",
    products: [
        .executable(name: "ChatHandler", targets: ["ChatHandler"]),
        .executable(name: "SiteGen", targets: ["SiteGen"]),
        .executable(name: "KagamiSampler", targets: ["KagamiSampler"]),
        .executable(name: "kagami-obs", targets: ["KagamiObs"]),
        .executable(name: "RUMBeacon", targets: ["RUMBeacon"]),
        .executable(name: "DashboardAPI", targets: ["DashboardAPI"]),
    ],
    targets: [
        // C boundary: system libraries from Debian, with typed wrappers for variadic calls.
        .systemLibrary(name: "CFastCGI", pkgConfig: nil, providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CMaxMindDB", pkgConfig: "libmaxminddb", providers: [.apt(["libmaxminddb-dev"])]),

        .target(name: "FastCGI", dependencies: ["CFastCGI", "Telemetry"], swiftSettings: strict),
        .target(name: "HTTPClient", dependencies: ["CCurl"], swiftSettings: strict),
        .target(name: "KagamiConfig", swiftSettings: strict),
        .target(name: "Telemetry", swiftSettings: strict),
        .target(name: "Privacy", swiftSettings: strict),
        .target(name: "Evaluations", dependencies: ["Privacy"], exclude: ["README.md"], swiftSettings: strict),
        .target(name: "Storage", dependencies: ["CSQLite", "Telemetry"], swiftSettings: strict),
        .target(name: "LLMBackends", dependencies: ["HTTPClient", "Telemetry"], swiftSettings: strict),
        .target(
            name: "ChatService",
            dependencies: ["FastCGI", "LLMBackends", "KagamiConfig", "Telemetry"],
            swiftSettings: strict
        ),
        .target(
            name: "Observability",
            dependencies: [
                "ChatService", "Privacy", "Evaluations", "Storage", "Telemetry", "KagamiConfig", "LLMBackends",
            ],
            swiftSettings: strict
        ),
        .target(name: "HostSampling", dependencies: ["Storage", "Telemetry", "LLMBackends"], swiftSettings: strict),
        .executableTarget(
            name: "KagamiSampler",
            dependencies: ["HostSampling", "Storage", "KagamiConfig", "LLMBackends", "HTTPClient", "Telemetry"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "KagamiBench",
            dependencies: [
                "Observability", "ChatService", "Storage", "HostSampling", "LLMBackends", "KagamiConfig", "Telemetry",
                "Exporters", "HTTPClient",
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "KagamiObs", dependencies: ["Storage", "KagamiConfig", "Telemetry"], swiftSettings: strict),
        .target(
            name: "SiteKit", dependencies: ["KagamiConfig", "LLMBackends", "HTTPClient", "Privacy"],
            swiftSettings: strict),
        .executableTarget(
            name: "SiteGen", dependencies: ["SiteKit", "KagamiConfig", "HTTPClient"], swiftSettings: strict),
        .executableTarget(
            name: "ChatHandler",
            dependencies: [
                "ChatService", "FastCGI", "LLMBackends", "KagamiConfig", "Observability", "Storage", "Exporters",
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Exporters",
            dependencies: [
                "CZlib", "ChatService", "FastCGI", "HTTPClient", "KagamiConfig", "Observability", "Storage",
                "Telemetry",
            ],
            swiftSettings: strict
        ),
        .target(
            name: "RUM",
            dependencies: ["CMaxMindDB", "FastCGI", "KagamiConfig", "Storage", "Telemetry"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "RUMBeacon", dependencies: ["RUM", "FastCGI", "KagamiConfig", "Storage", "Telemetry"],
            swiftSettings: strict),
        .target(name: "Dashboard", dependencies: ["FastCGI", "Storage", "Telemetry"], swiftSettings: strict),
        .executableTarget(
            name: "DashboardAPI", dependencies: ["Dashboard", "FastCGI", "KagamiConfig", "Telemetry"],
            swiftSettings: strict),

        .target(
            name: "TestSupport",
            dependencies: ["FastCGI", "LLMBackends", "ChatService"],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "FastCGITests", dependencies: ["FastCGI", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient"], swiftSettings: strict),
        .testTarget(name: "KagamiConfigTests", dependencies: ["KagamiConfig"], swiftSettings: strict),
        .testTarget(
            name: "SiteKitTests", dependencies: ["SiteKit", "KagamiConfig", "LLMBackends", "Privacy"],
            resources: [.copy("Golden")], swiftSettings: strict),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry"], swiftSettings: strict),
        .testTarget(
            name: "ObservabilityTests",
            dependencies: ["Observability", "ChatService", "Storage", "Privacy", "TestSupport", "KagamiConfig"],
            swiftSettings: strict
        ),
        .testTarget(name: "HostSamplingTests", dependencies: ["HostSampling"], swiftSettings: strict),
        .testTarget(
            name: "RUMTests", dependencies: ["RUM", "Storage", "TestSupport", "KagamiConfig"], exclude: ["Fixtures"],
            swiftSettings: strict),
        .testTarget(
            name: "ExportersTests",
            dependencies: [
                "Exporters", "Storage", "Telemetry", "KagamiConfig", "ChatService", "FastCGI", "TestSupport",
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DashboardTests", dependencies: ["Dashboard", "Storage", "Telemetry", "FastCGI"],
            swiftSettings: strict),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Telemetry"], swiftSettings: strict),
        .testTarget(name: "PrivacyTests", dependencies: ["Privacy"], swiftSettings: strict),
        .testTarget(
            name: "EvaluationsTests",
            dependencies: ["Evaluations", "Privacy"],
            resources: [.copy("LabeledSet")],
            swiftSettings: strict
        ),
        .testTarget(name: "LLMBackendsTests", dependencies: ["LLMBackends", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "ChatServiceTests",
            dependencies: ["ChatService", "TestSupport", "KagamiConfig"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
