import Resilience

/// Tries (SPEC §6): what an upstream's answer or failure means for the request — stream it, collect it,
/// retry after a backoff, try a fresh connection, or give the final answer.
extension ExchangeMachine {
    /// A final (non-1xx) response head arrived for the running try. `normalise` is `errors.normalise`.
    public mutating func upstreamHeadReceived(status: Int, normalise: Bool, random: inout FastRandom) -> ExchangeStep {
        guard case .trying(let current) = state else { return ExchangeStep(.none) }
        let statusFailure = policy.failure(forStatus: status)
        if let statusFailure, let backoff = retryBackoff(after: current, statusFailure, random: &random) {
            // Tries left: read it to the end (the connection stays usable) and keep it in case no further
            // try can start.
            enter(.collecting(current, .keptForRetry(backoff: backoff)))
            return ExchangeStep(.collectBody)
        }
        let record = TryRecord(current, statusFailure == nil ? .success : .failure)
        if status >= 400 && normalise {
            enter(.collecting(current, .answer))
            return ExchangeStep(record: record, .collectBody)
        }
        enter(.streaming(paused: false))
        return ExchangeStep(record: record, .streamResponse)
    }

    /// The upstream response ended completely.
    public mutating func upstreamFinished() -> ExchangeStep {
        switch state {
        case .collecting(let current, .keptForRetry(let backoff)):
            return backOff(after: current, backoff: backoff, fallback: .keptResponse)
        case .collecting(_, .answer):
            enter(.done)
            return ExchangeStep(.answerCollected)
        case .streaming:
            enter(.done)
            return ExchangeStep(.finish)
        default:
            return ExchangeStep(.none)
        }
    }

    /// The running try failed with `failure` (a failure while reading a body is ``TryFailure/broken``).
    /// `onStaleConnection` when a reused keep-alive connection closed before any byte of a response: then an
    /// idempotent request goes once more, on a fresh connection to the same target, in the same try (the
    /// upstream closed an idle connection; never for POST/PATCH, which it may have read before closing, as
    /// nginx does).
    public mutating func upstreamFailed(
        _ failure: TryFailure, onStaleConnection: Bool, random: inout FastRandom
    ) -> ExchangeStep {
        switch state {
        case .trying(var current):
            if onStaleConnection && !current.replacedStaleConnection && isIdempotent {
                current.replacedStaleConnection = true
                return startTry(current, fresh: true)
            }
            return tryFailed(current, failure, recorded: false, random: &random)
        case .collecting(let current, .keptForRetry(let backoff)):
            // The kept response broke: what remains to answer, if no retry happens, is a 502.
            return backOff(after: current, backoff: backoff, fallback: .failure(.broken))
        case .collecting(let current, .answer):
            return tryFailed(current, .broken, recorded: true, random: &random)
        case .streaming:
            // Part of the response already left: never retried; the client must see a truncated message.
            enter(.done)
            return ExchangeStep(.abort)
        default:
            return ExchangeStep(.none)
        }
    }

    /// No upstream socket could be opened for lack of local resources (descriptors, memory): sluice's own
    /// shortage says nothing about the target, so no failure is recorded and nothing is retried: 502.
    public mutating func localResourcesExhausted() -> ExchangeStep {
        guard case .trying = state else { return ExchangeStep(.none) }
        enter(.done)
        return ExchangeStep(.answerFailure(.unavailable))
    }

    /// The backoff timer fired: the next try starts on the next healthy target, or the request ends as its
    /// last try did when none is healthy.
    public mutating func backoffElapsed() -> ExchangeStep {
        guard case .backingOff(let nextAttempt, let failedTarget, let fallback) = state else { return ExchangeStep(.none) }
        switch health.choose(startingAt: failedTarget + 1) {
        case .target(let index, let isTrial):
            return startTry(Try(attempt: nextAttempt, target: index, isTrial: isTrial))
        case .noneHealthy(let retryAfter):
            enter(.done)
            switch fallback {
            case .keptResponse:
                return ExchangeStep(.answerCollected)
            case .failure(let failure) where failure.finalStatus != nil:
                return ExchangeStep(.answerFailure(FinalFailure(after: failure)))
            case .failure:
                return ExchangeStep(.answerFailure(.noTarget(retryAfterSeconds: retryAfter)))
            }
        }
    }

    /// A try failed: a retry after a backoff if the policy allows it, else the final answer.
    private mutating func tryFailed(
        _ current: Try, _ failure: TryFailure, recorded: Bool, random: inout FastRandom
    ) -> ExchangeStep {
        let record = recorded ? nil : TryRecord(current, .failure)
        guard let backoff = retryBackoff(after: current, failure, random: &random) else {
            enter(.done)
            return ExchangeStep(record: record, .answerFailure(FinalFailure(after: failure)))
        }
        enter(.backingOff(nextAttempt: current.attempt + 1, failedTarget: current.target, fallback: .failure(failure)))
        return ExchangeStep(record: record, .wait(backoff))
    }

    /// The try ends as a failure and the next one follows after `backoff`.
    private mutating func backOff(after current: Try, backoff: Duration, fallback: Fallback) -> ExchangeStep {
        enter(.backingOff(nextAttempt: current.attempt + 1, failedTarget: current.target, fallback: fallback))
        return ExchangeStep(record: TryRecord(current, .failure), .wait(backoff))
    }
}
