import Resilience

/// A try's outcome to record with the circuit breakers (and, unless cancelled, in the statistics).
public struct TryRecord: Sendable, Equatable {
    /// The try (its target, and whether it was the target's half-open trial).
    public var ended: Try
    /// How it ended.
    public var outcome: TryOutcome

    /// Records that `ended` ended with `outcome`.
    public init(_ ended: Try, _ outcome: TryOutcome) {
        self.ended = ended
        self.outcome = outcome
    }
}

/// The answer sluice gives itself when the tries end without an upstream response to relay.
public enum FinalFailure: Sendable, Equatable {
    /// `502 UPSTREAM_UNAVAILABLE`: could not connect, or the connection broke.
    case unavailable
    /// `504 UPSTREAM_TIMEOUT`: connecting or waiting for the response timed out.
    case timeout
    /// `503 SERVICE_UNAVAILABLE` with `Retry-After`: no target can take the request.
    case noTarget(retryAfterSeconds: Int)

    /// The answer after `failure` ended the last try.
    init(after failure: TryFailure) {
        self = failure.finalStatus == 504 ? .timeout : .unavailable
    }
}

/// What the connection must do next, as the machine decides it.
public enum ExchangeAction: Sendable, Equatable {
    /// Nothing now: wait for the next event.
    case none
    /// Read the request body; first send `100 Continue` when `sendContinue` (and none of the body is buffered).
    case readBody(sendContinue: Bool)
    /// Answer with the admission chain's refusal (never forwarded); close afterwards when `close`.
    case refuse(close: Bool)
    /// Answer `408 REQUEST_TIMEOUT` and close.
    case answerRequestTimeout
    /// Send the request to `target`, on a pooled connection unless `fresh` (then on a new one).
    case startTry(target: Int, fresh: Bool)
    /// Arm the backoff timer; call ``ExchangeMachine/backoffElapsed()`` when it fires.
    case wait(Duration)
    /// Write the upstream head and stream its body through.
    case streamResponse
    /// Collect the upstream body (decoded).
    case collectBody
    /// Stop reading the upstream (the client's output is above the high-water mark).
    case pauseUpstream
    /// Read the upstream again (the client's output fell below the low-water mark).
    case resumeUpstream
    /// The streamed response is complete.
    case finish
    /// Answer with the collected response (normalised when it is an error).
    case answerCollected
    /// Answer with sluice's own failure response.
    case answerFailure(FinalFailure)
    /// Drop the connection at once, cancelling the upstream request, with a reset (a request was under way).
    case abort
    /// Close the connection: the client went while its request was being read (nothing was forwarded).
    case close
}

/// One event's outcome: a try to record, if any, then what to do.
public struct ExchangeStep: Sendable, Equatable {
    /// Record this with the circuit breakers first.
    public var record: TryRecord?
    /// Then do this.
    public var action: ExchangeAction

    /// Creates a step.
    public init(record: TryRecord? = nil, _ action: ExchangeAction) {
        self.record = record
        self.action = action
    }
}
