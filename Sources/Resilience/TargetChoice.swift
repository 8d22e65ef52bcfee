/// What ``TargetHealth/choose(startingAt:)`` decided for one try.
public enum TargetChoice: Sendable, Equatable {
    /// Send the try to target `index`. When `isTrial` is true this try is its circuit's single half-open
    /// trial: its outcome must be recorded with `wasTrial: true` (including ``TryOutcome/cancelled``).
    case target(Int, isTrial: Bool)
    /// No target can take a request now: answer `503 SERVICE_UNAVAILABLE` with `Retry-After: retryAfterSeconds`
    /// (whole seconds, at least 1) at once.
    case noneHealthy(retryAfterSeconds: Int)
}

/// How one try to a target ended, for ``TargetHealth/record(target:outcome:wasTrial:)``.
public enum TryOutcome: Sendable, Equatable {
    /// The upstream answered with a status not in `retry_on`: the target works.
    case success
    /// The try failed (connect error or timeout, broken connection, response timeout, status in `retry_on`).
    case failure
    /// The try was abandoned before its outcome was known (the client left, the proxy is shutting down).
    /// Counts neither way; a trial releases its slot so that the next request can be the trial.
    case cancelled
}

/// One target's figures for `/stats` and `/metrics` (SPEC §8 `upstreams`).
public struct TargetState: Sendable, Equatable {
    /// The target's index in `upstream.targets`.
    public var index: Int
    /// True unless active health checks marked the target down.
    public var healthCheckUp: Bool
    /// The circuit breaker's state at the time of the snapshot.
    public var circuit: CircuitState
    /// Failed tries since the last successful one.
    public var consecutiveFailures: Int
    /// Tries sent to the target (every recorded outcome).
    public var requests: Int
    /// Tries that failed.
    public var failures: Int

    /// The `healthy` of `/stats`: health checks say up and the circuit is not open (half-open counts as healthy).
    public var healthy: Bool { healthCheckUp && circuit != .open }

    /// Creates a state (the proxy's tests may build their own).
    public init(index: Int, healthCheckUp: Bool, circuit: CircuitState, consecutiveFailures: Int, requests: Int, failures: Int) {
        self.index = index
        self.healthCheckUp = healthCheckUp
        self.circuit = circuit
        self.consecutiveFailures = consecutiveFailures
        self.requests = requests
        self.failures = failures
    }
}
