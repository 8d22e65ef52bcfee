import Engine
import Resilience

/// Tries (SPEC §6): target choice through the circuit breakers, retries with backoff, and the
/// final answer when the tries run out.
extension ClientConnection {
    /// Starts a try: on the next healthy target (round-robin, circuit breakers and health checks
    /// decide), or — `sameTargetFresh` — once more on a new connection to the same target after a
    /// stale keep-alive connection failed.
    func startTry(sameTargetFresh: Bool = false) {
        if !sameTargetFresh {
            let start = exchange.attempt == 0 ? worker.nextTarget : exchange.target + 1
            switch context.health.choose(startingAt: start) {
            case .target(let index, let isTrial):
                exchange.target = index
                exchange.isTrial = isTrial
                if exchange.attempt == 0 { worker.nextTarget = index + 1 }
            case .noneHealthy(let retryAfter):
                // After a failed try, the request ends as that try did (SPEC §6 final failure).
                if exchange.attempt > 0, let last = exchange.lastFailure {
                    if last.finalStatus != nil { return answerFinalFailure(last) }
                    if exchange.collecting { return answerCollected() }
                }
                return respondOwnError(.serviceUnavailable, message: "No upstream target is available; try again later",
                                       extraHeaders: Array("Retry-After: \(retryAfter)\r\n".utf8))
            }
        }
        exchange.tryInFlight = true
        let pool = worker.pool(for: exchange.target, context: context)
        var connection = sameTargetFresh ? nil : pool.acquire()
        if connection == nil {
            do {
                connection = try UpstreamConnection(target: exchange.target, pool: pool, context: context, worker: worker)
            } catch {
                if error.isLocalResourceShortage {
                    // sluice's own shortage (descriptors, memory) says nothing about the target:
                    // no circuit-breaker failure, no retry.
                    exchange.tryInFlight = false
                    context.logger.error("cannot open an upstream connection", metadata: ["error": "\(error)"])
                    return respondOwnError(.upstreamUnavailable)
                }
                return tryFailed(.connectFailed)
            }
        }
        guard let connection else { return }
        upstream = connection
        exchange.upstreamRequest.withUnsafeBytes { bytes in
            connection.send(bytes, isHEAD: exchange.isHEAD, delegate: self)
        }
    }

    /// Records the outcome of the running try with the circuit breakers (once per try).
    func recordTry(_ outcome: TryOutcome) {
        guard exchange.tryInFlight else { return }
        exchange.tryInFlight = false
        context.health.record(target: exchange.target, outcome: outcome, wasTrial: exchange.isTrial)
        if outcome != .cancelled { worker.stats.recordTry(target: exchange.target, failed: outcome == .failure) }
    }

    /// A try failed: retry after a backoff if the policy allows (SPEC §6), else answer 502/504.
    func tryFailed(_ failure: TryFailure) {
        recordTry(.failure)
        exchange.lastFailure = failure
        if let delay = retryDelay(after: failure) {
            return scheduleRetry(after: delay)
        }
        answerFinalFailure(failure)
    }

    /// The backoff before the next try, or nil when this request gets no more tries.
    func retryDelay(after failure: TryFailure) -> Duration? {
        context.retryPolicy.retryDelay(
            attempt: exchange.attempt, methodIsIdempotent: exchange.methodIsIdempotent, failure: failure,
            now: context.clock.nowNanoseconds(), deadline: exchange.deadline, random: &worker.random)
    }

    func scheduleRetry(after delay: Duration) {
        exchange.attempt += 1
        exchange.retriedStale = false
        let timer = retryTimer ?? LoopTimer(loop: worker.loop) { [unowned self] in
            if self.state == .forwarding && self.upstream == nil { self.startTry() }
        }
        retryTimer = timer
        timer.arm(afterNanoseconds: delay.wholeNanoseconds)
    }

    func answerFinalFailure(_ failure: TryFailure) {
        if failure.finalStatus == 504 {
            respondOwnError(.upstreamTimeout)
        } else {
            respondOwnError(.upstreamUnavailable)
        }
    }
}
