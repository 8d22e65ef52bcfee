/// The API servers sluice forwards to and how it treats them (`upstream:`).
public struct UpstreamConfig: Sendable, Equatable {
    /// One or more `host:port` or `https://host:port`, balanced round-robin over the healthy ones. The only key
    /// without a default.
    public var targets: [UpstreamTarget]
    /// Limit for establishing a connection to a target.
    public var connectTimeout: Duration
    /// Limit per try until the whole response head has arrived.
    public var responseTimeout: Duration
    /// Idle pooled connections kept per target.
    public var keepalive: Int
    /// Extra tries after the first.
    public var retries: Int
    /// Base of exponential backoff with full jitter.
    public var retryBackoff: Duration
    /// Upstream statuses that count as failed tries (retried for idempotent methods).
    public var retryOn: [Int]
    /// Active health checks.
    public var healthCheck: HealthCheckConfig
    /// The per-target circuit breaker.
    public var circuitBreaker: CircuitBreakerConfig
    /// TLS to `https://` targets.
    public var tls: UpstreamTLSConfig

    /// Creates an upstream section; every argument but `targets` defaults to SPEC §3.
    public init(
        targets: [UpstreamTarget],
        connectTimeout: Duration = .seconds(2),
        responseTimeout: Duration = .seconds(30),
        keepalive: Int = 64,
        retries: Int = 2,
        retryBackoff: Duration = .milliseconds(50),
        retryOn: [Int] = [502, 503, 504],
        healthCheck: HealthCheckConfig = .default,
        circuitBreaker: CircuitBreakerConfig = .default,
        tls: UpstreamTLSConfig = .default
    ) {
        self.targets = targets
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.keepalive = keepalive
        self.retries = retries
        self.retryBackoff = retryBackoff
        self.retryOn = retryOn
        self.healthCheck = healthCheck
        self.circuitBreaker = circuitBreaker
        self.tls = tls
    }

    /// The defaults of SPEC §3 with no targets (a file must name at least one).
    public static let `default` = UpstreamConfig(targets: [])
}
