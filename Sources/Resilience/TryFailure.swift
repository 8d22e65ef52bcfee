/// Why one try to an upstream target failed (SPEC §6). Every case is a failed try for the circuit breaker:
/// record it with ``TryOutcome/failure``.
public enum TryFailure: Sendable, Equatable {
    /// The connection could not be made (refused, unreachable, reset during connect): the upstream never saw
    /// the request, so it is retried for any method.
    case connectFailed
    /// The connection was not established within `connect_timeout`: never reached the upstream, retried for any method.
    case connectTimeout
    /// The connection broke after the request was (partly) sent and before the whole response head arrived, or
    /// the response head was malformed: the upstream may have acted on it, so only idempotent methods are retried.
    case broken
    /// No whole response head within `response_timeout`: may have reached the upstream, idempotent methods only.
    case responseTimeout
    /// The upstream answered with this status, one of `retry_on`: idempotent methods only.
    case status(Int)

    /// False when the request certainly never reached the upstream (any method may then be retried).
    public var mayHaveReachedUpstream: Bool {
        switch self {
        case .connectFailed, .connectTimeout: false
        case .broken, .responseTimeout, .status: true
        }
    }

    /// The status sluice answers with when this was the last try: `504` (`UPSTREAM_TIMEOUT`) after a timeout,
    /// `502` (`UPSTREAM_UNAVAILABLE`) when it could not connect or the connection broke, and nil for
    /// ``status(_:)``: relay the upstream's last response (normalised).
    ///
    /// A connect timeout is a timeout (504), as nginx answers "upstream timed out while connecting".
    public var finalStatus: Int? {
        switch self {
        case .connectFailed, .broken: 502
        case .connectTimeout, .responseTimeout: 504
        case .status: nil
        }
    }
}
