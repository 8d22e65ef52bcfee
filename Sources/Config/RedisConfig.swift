/// The Redis rate-limit store (`rate_limit.redis:`).
public struct RedisConfig: Sendable, Equatable {
    /// The Redis server.
    public var address: HostPort
    /// Limit for one Redis round trip.
    public var timeout: Duration
    /// What happens when Redis does not answer in time.
    public var onFailure: RedisFailurePolicy

    /// Creates a Redis section; every argument defaults to SPEC §3.
    public init(
        address: HostPort = HostPort(host: "127.0.0.1", port: 6379),
        timeout: Duration = .milliseconds(50),
        onFailure: RedisFailurePolicy = .allow
    ) {
        self.address = address
        self.timeout = timeout
        self.onFailure = onFailure
    }

    /// The defaults of SPEC §3.
    public static let `default` = RedisConfig()
}

/// What to do when Redis fails or times out.
public enum RedisFailurePolicy: String, Sendable, Equatable, CaseIterable {
    /// Fall back to local (memory) buckets.
    case allow
    /// Refuse with 503 SERVICE_UNAVAILABLE.
    case deny
}
