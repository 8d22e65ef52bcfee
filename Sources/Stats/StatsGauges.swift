import Resilience

/// What the caller knows about one upstream target at the time of reading.
public struct UpstreamGauge: Sendable, Equatable {
    /// The target as configured, e.g. `127.0.0.1:3000`; matched by name with `StatsSnapshot.targets`.
    public var target: String
    /// Whether health checking considers it healthy.
    public var healthy: Bool
    /// Its circuit breaker state.
    public var circuit: CircuitState

    /// A target's gauges.
    public init(target: String, healthy: Bool, circuit: CircuitState) {
        self.target = target
        self.healthy = healthy
        self.circuit = circuit
    }
}

/// Figures the workers do not count but the admin endpoint reports: read by the caller when it answers.
public struct StatsGauges: Sendable {
    /// Seconds since the process started.
    public var uptimeSeconds: Double
    /// Keys the rate limiter currently tracks.
    public var rateLimitTrackedKeys: Int
    /// Identities the rate limiter's memory store forgot to stay within `max_tracked_keys` (a counter).
    public var rateLimitEvicted: Int
    /// The rate-limit store in use, e.g. `memory` (or `off` when rate limiting is disabled).
    public var rateLimitStore: String
    /// The configured upstream targets, in configuration order: these are the ones `/stats` lists.
    public var upstreams: [UpstreamGauge]
    /// Keys of the keys file in force (revoked and expired ones included); 0 without a keys file.
    public var keysLoaded: Int

    /// The gauges for one report.
    public init(uptimeSeconds: Double, rateLimitTrackedKeys: Int, rateLimitEvicted: Int, rateLimitStore: String,
                upstreams: [UpstreamGauge], keysLoaded: Int = 0) {
        self.uptimeSeconds = uptimeSeconds
        self.rateLimitTrackedKeys = rateLimitTrackedKeys
        self.rateLimitEvicted = rateLimitEvicted
        self.rateLimitStore = rateLimitStore
        self.upstreams = upstreams
        self.keysLoaded = keysLoaded
    }
}
