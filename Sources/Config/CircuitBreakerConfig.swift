/// The per-target circuit breaker (`upstream.circuit_breaker:`).
public struct CircuitBreakerConfig: Sendable, Equatable {
    /// Consecutive failed tries that open the breaker.
    public var failures: Int
    /// How long an open breaker stays open before one trial request (half-open).
    public var openFor: Duration

    /// Creates a circuit-breaker section; every argument defaults to SPEC §3.
    public init(failures: Int = 5, openFor: Duration = .seconds(30)) {
        self.failures = failures
        self.openFor = openFor
    }

    /// The defaults of SPEC §3.
    public static let `default` = CircuitBreakerConfig()
}
