// swift-tools-version: 6.1
import PackageDescription

/// Hot-path targets drop run-time exclusivity checks in release builds (they cost ~7% of a
/// proxied request's CPU in `swift_beginAccess`); debug builds, which run the tests, keep them.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .executable(name: "demo-upstream", targets: ["DemoUpstream"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // C libraries from Debian.
        .systemLibrary(name: "CLibevent", pkgConfig: "libevent", providers: [.apt(["libevent-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),

        // The one Swift layer over OpenSSL: SHA-256, secure random bytes, TLS contexts and sessions.
        .target(name: "OpenSSLBinding", dependencies: ["COpenSSL"]),

        // What several modules share, depending on nothing: the system clocks, Duration → integers, RFC 3339
        // and IMF-fixdate timestamps, JSON string escaping, ASCII case-insensitive comparison.
        .target(name: "Essentials", swiftSettings: hotPath),

        // Pure Swift modules: no sockets, no libevent.
        .target(name: "HTTP1", dependencies: ["Essentials"], swiftSettings: hotPath),
        .target(name: "RateLimiter", dependencies: ["Essentials"]),
        .target(name: "Normaliser", dependencies: ["CZlib", "Essentials"]),
        // Config reads into the domain's value types (LimitRule, CodeRule) and validates through them.
        .target(name: "Config", dependencies: [
            "Essentials", "RateLimiter", "Normaliser", .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "Resilience", dependencies: ["Essentials"]),
        // The per-request state machine: head → admission → body → tries → response, decided without I/O.
        .target(name: "Exchange", dependencies: ["Resilience"], swiftSettings: hotPath),
        // The Redis store of the rate limiter: the same algorithm as a Lua script, over hiredis on each worker's loop.
        .target(name: "RedisStore", dependencies: ["CHiredis", "Engine", "Essentials", "RateLimiter"]),
        .target(name: "Stats", dependencies: ["Essentials", "Resilience", .product(name: "Histogram", package: "hdrhistogram-swift")]),
        // The API-key registry of SPEC §10: the keys file, the table, the verdict (JSON from Normaliser, RFC 3339 from Essentials).
        .target(name: "APIKeys", dependencies: ["OpenSSLBinding", "Normaliser", "Essentials"], swiftSettings: hotPath),

        // The event engine: libevent loops, sockets, timers, signals.
        // TLS connections are a transport of Engine's, over OpenSSLBinding's sessions (which know no event loop).
        .target(name: "Engine", dependencies: ["CLibevent", "Essentials", "OpenSSLBinding"], swiftSettings: hotPath),

        // The proxy: client and upstream connections, forwarding, pools.
        .target(name: "Proxy", dependencies: [
            "APIKeys", "Engine", "Essentials", "Exchange", "HTTP1", "Config", "Normaliser", "OpenSSLBinding", "RateLimiter",
            "RedisStore", "Resilience", "Stats",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: hotPath),

        // Command line and wiring.
        .executableTarget(name: "sluice", dependencies: [
            "Proxy", "Config", "Engine", "Essentials", "RateLimiter", "APIKeys", "OpenSSLBinding",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // The demo and test upstream: JSON, seed error bodies, echo, streams, faults.
        .executableTarget(name: "DemoUpstream", dependencies: ["OpenSSLBinding"]),

        // Release-built micro-benchmark of the rate-limit decision.
        .executableTarget(name: "LimiterBench", dependencies: ["RateLimiter"]),
        // Release-built micro-benchmark of the API-key check and of loading a million-key file.
        .executableTarget(name: "KeyCheckBench", dependencies: ["APIKeys", "OpenSSLBinding"]),

        // What several test targets share: the child-process launcher (sluice, demo-upstream, redis-server), free
        // loopback ports, the redis-server fixture, the strict Prometheus exposition parser.
        .target(name: "TestSupport", path: "Tests/TestSupport"),

        .testTarget(name: "EssentialsTests", dependencies: ["Essentials"]),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1", "Essentials"]),
        .testTarget(name: "OpenSSLBindingTests", dependencies: ["OpenSSLBinding"]),
        .testTarget(name: "APIKeysTests", dependencies: ["APIKeys", "OpenSSLBinding", "Essentials"]),
        .testTarget(name: "RateLimiterTests", dependencies: ["RateLimiter"]),
        .testTarget(name: "NormaliserTests", dependencies: ["Normaliser", "Essentials"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config"]),
        .testTarget(name: "ResilienceTests", dependencies: ["Resilience"]),
        .testTarget(name: "ExchangeTests", dependencies: ["Exchange", "Resilience"]),
        .testTarget(name: "StatsTests", dependencies: ["Stats", "Essentials", "TestSupport"]),
        .testTarget(name: "RedisStoreTests", dependencies: ["RedisStore", "RateLimiter", "Engine", "TestSupport"]),
        .testTarget(name: "ProxyTests", dependencies: ["Proxy", "HTTP1", "Config", "Engine"]),
        // Black-box tests of the built binaries; the keys CLI's output is checked with the registry's own parser.
        .testTarget(name: "IntegrationTests", dependencies: ["TestSupport", "APIKeys", "OpenSSLBinding"]),
    ]
)
