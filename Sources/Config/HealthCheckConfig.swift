/// Active health checks of every upstream target (`upstream.health_check:`).
public struct HealthCheckConfig: Sendable, Equatable {
    /// Path requested with GET; `""` disables active checks.
    public var path: String
    /// Time between checks of one target.
    public var interval: Duration
    /// Limit for one check; always less than `interval`.
    public var timeout: Duration

    /// Creates a health-check section; every argument defaults to SPEC §3.
    public init(path: String = "/health", interval: Duration = .seconds(5), timeout: Duration = .seconds(1)) {
        self.path = path
        self.interval = interval
        self.timeout = timeout
    }

    /// True when `path` is not empty.
    public var isEnabled: Bool { !path.isEmpty }

    /// The defaults of SPEC §3.
    public static let `default` = HealthCheckConfig()
}
