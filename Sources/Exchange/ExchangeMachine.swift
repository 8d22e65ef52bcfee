import Resilience

/// The life of one request on a client connection, as a state machine without I/O: the connection feeds it
/// events (a head parsed, the body read, an admission decision, an upstream head, a failure, the client gone…)
/// and performs the ``ExchangeStep`` each returns. The one place that decides retry, next try or final answer
/// (SPEC §6), as swift-nio's HTTP state machines decide for their channel handlers.
///
/// ```
/// readingHead → readingBody(admission) → admitting → trying(try) ⇄ backingOff → streaming | collecting → done
/// ```
///
/// Loop-confined, like the connection that owns it; reset between the requests of a keep-alive connection.
public struct ExchangeMachine {
    /// Where the request is.
    public private(set) var state: ExchangeState = .readingHead
    /// The target of the latest try (for the access log).
    public private(set) var target = 0
    /// The index of the latest try, or of the next one while backing off (for the access log).
    public private(set) var attempt = 0
    /// Monotonic time (nanoseconds) by which every try must have ended, from the first try's start.
    public private(set) var triesDeadline: Int64 = .max
    /// Monotonic time the tries began (the request was admitted whole), 0 before.
    public private(set) var triesStartedAt: Int64 = 0

    // Module-internal: the tries' extension (ExchangeMachine+Tries.swift) decides with them too.
    var isIdempotent = false
    var policy: RetryPolicy
    var health: TargetHealth
    var clock: any ResilienceClock

    /// Creates a machine deciding by `policy` over the breakers and health checks of `health`, timed by
    /// `clock` (monotonic, as the retry deadline needs).
    public init(policy: RetryPolicy, health: TargetHealth, clock: any ResilienceClock) {
        self.policy = policy
        self.health = health
        self.clock = clock
    }

    /// Takes a reloaded configuration's policy and targets; call it only between requests.
    public mutating func configure(policy: RetryPolicy, health: TargetHealth) {
        self.policy = policy
        self.health = health
    }

    /// Back to ``ExchangeState/readingHead`` for the connection's next request.
    public mutating func reset() {
        state = .readingHead
        target = 0
        attempt = 0
        triesDeadline = .max
        triesStartedAt = 0
        isIdempotent = false
    }

    // MARK: the request

    /// A whole head arrived. `bodyFollows` when it frames a non-empty body; `admission` is what the
    /// admission chain decided on the head. `cursor` is the worker's round-robin position (advanced when the
    /// first try starts now).
    public mutating func headReceived(
        isIdempotent: Bool, bodyFollows: Bool, expectsContinue: Bool, admission: Admission, cursor: inout Int
    ) -> ExchangeStep {
        guard case .readingHead = state else { return ExchangeStep(.none) }
        self.isIdempotent = isIdempotent
        guard bodyFollows else { return requestComplete(admission, cursor: &cursor) }
        if expectsContinue && admission == .refused {
            // The final status is known from the head: sent instead of 100 (Continue), so the body is never
            // uploaded (RFC 9110 §10.1.1); then close, as the body may follow anyway.
            state = .done
            return ExchangeStep(.refuse(close: true))
        }
        state = .readingBody(admission)
        return ExchangeStep(.readBody(sendContinue: expectsContinue))
    }

    /// The whole body has been read.
    public mutating func bodyReceived(cursor: inout Int) -> ExchangeStep {
        guard case .readingBody(let admission) = state else { return ExchangeStep(.none) }
        return requestComplete(admission, cursor: &cursor)
    }

    /// An asynchronous admission step answered (`.admitted` or `.refused`). A decision for a request that is
    /// no longer waiting for one (it ended, or the connection went) changes nothing.
    public mutating func decisionArrived(_ admission: Admission, cursor: inout Int) -> ExchangeStep {
        switch state {
        case .readingBody(.pending):
            state = .readingBody(admission)
            return ExchangeStep(.none)
        case .admitting:
            return requestComplete(admission, cursor: &cursor)
        default:
            return ExchangeStep(.none)
        }
    }

    private mutating func requestComplete(_ admission: Admission, cursor: inout Int) -> ExchangeStep {
        switch admission {
        case .pending:
            state = .admitting
            return ExchangeStep(.none)
        case .refused:
            state = .done
            return ExchangeStep(.refuse(close: false))
        case .admitted:
            let now = clock.nowNanoseconds()
            triesStartedAt = now
            triesDeadline = policy.deadline(startedAt: now)
            switch health.choose(startingAt: cursor) {
            case .target(let index, let isTrial):
                cursor = index + 1
                return startTry(Try(attempt: 0, target: index, isTrial: isTrial))
            case .noneHealthy(let retryAfter):
                state = .done
                return ExchangeStep(.answerFailure(.noTarget(retryAfterSeconds: retryAfter)))
            }
        }
    }

    /// The client's request head or body did not arrive within `client_timeout`.
    public mutating func clientTimedOut() -> ExchangeStep {
        switch state {
        case .readingHead, .readingBody:
            state = .done
            return ExchangeStep(.answerRequestTimeout)
        default:
            return ExchangeStep(.none)
        }
    }

    /// The client closed or reset its connection: the request is cancelled. A try running is recorded as
    /// cancelled, never as a failure of its target (SPEC §4).
    public mutating func clientGone() -> ExchangeStep {
        let step: ExchangeStep
        switch state {
        case .trying(let running), .collecting(let running, .keptForRetry):
            step = ExchangeStep(record: TryRecord(running, .cancelled), .abort)
        case .readingHead, .readingBody:
            step = ExchangeStep(.close)
        case .done:
            return ExchangeStep(.none)
        default:
            step = ExchangeStep(.abort)
        }
        state = .done
        return step
    }

    // MARK: the client's output (back-pressure)

    /// Response bytes were queued for the client; `unwritten` are waiting for it. Pauses the upstream above
    /// `highWater`.
    public mutating func outputQueued(unwritten: Int, highWater: Int) -> ExchangeAction {
        guard case .streaming(paused: false) = state, unwritten >= highWater else { return .none }
        state = .streaming(paused: true)
        return .pauseUpstream
    }

    /// The client read some output; `unwritten` remain. Resumes a paused upstream below `lowWater`.
    public mutating func outputDrained(unwritten: Int, lowWater: Int) -> ExchangeAction {
        guard case .streaming(paused: true) = state, unwritten < lowWater else { return .none }
        state = .streaming(paused: false)
        return .resumeUpstream
    }

    /// Internal: enters ``ExchangeState/trying(_:)``.
    mutating func startTry(_ next: Try, fresh: Bool = false) -> ExchangeStep {
        state = .trying(next)
        target = next.target
        attempt = next.attempt
        return ExchangeStep(.startTry(target: next.target, fresh: fresh))
    }

    /// Internal: what the policy allows after `failed` ended with `failure` (the retry's backoff, or nil).
    mutating func retryBackoff(after failed: Try, _ failure: TryFailure, random: inout FastRandom) -> Duration? {
        policy.retryDelay(
            attempt: failed.attempt, methodIsIdempotent: isIdempotent, failure: failure, now: clock.nowNanoseconds(),
            deadline: triesDeadline, random: &random)
    }

    /// Internal: moves to `next`; backing off, the next try's index is the one the access log shows.
    mutating func enter(_ next: ExchangeState) {
        state = next
        if case .backingOff(let nextAttempt, _, _) = next { attempt = nextAttempt }
    }
}
