import Engine
import Essentials
import Exchange
import Resilience

/// Performing what the request's ``ExchangeMachine`` decided: answers, tries on upstream connections,
/// backoff timers, and the record of every try with the circuit breakers.
extension ClientConnection {
    /// Records `step`'s try outcome, then does its action.
    func perform(_ step: ExchangeStep) {
        if let record = step.record { self.record(record) }
        switch step.action {
        case .none, .streamResponse, .collectBody, .pauseUpstream, .resumeUpstream:
            break  // the upstream delegate acts on these where they are asked for
        case .readBody(let sendContinue):
            setDeadline(context.clientTimeout)
            if sendContinue && inbound.isEmpty {
                outbound.append("HTTP/1.1 100 Continue\r\n\r\n")
                flush()
            }
        case .refuse(let close):
            let refusal = exchange.refusal ?? PendingRefusal(error: .badRequest, message: "Request refused")
            respondOwnError(refusal.error, message: refusal.message, details: refusal.details, close: close)
        case .answerRequestTimeout:
            respondOwnError(.requestTimeout, close: true)
        case .startTry(let target, let fresh):
            startTry(on: target, fresh: fresh)
        case .wait(let backoff):
            let timer = retryTimer ?? LoopTimer(loop: worker.loop) { [unowned self] in
                self.perform(self.machine.backoffElapsed())
            }
            retryTimer = timer
            timer.arm(afterNanoseconds: backoff.wholeNanoseconds)
        case .finish:
            finishExchange()
        case .answerCollected:
            answerCollected()
        case .answerFailure(.unavailable):
            respondOwnError(.upstreamUnavailable)
        case .answerFailure(.timeout):
            respondOwnError(.upstreamTimeout)
        case .answerFailure(.noTarget(let retryAfter)):
            respondOwnError(.serviceUnavailable, message: "No upstream target is available; try again later",
                            extraHeaders: Array("Retry-After: \(retryAfter)\r\n".utf8))
        case .abort:
            close(reset: true)
        case .close:
            close()
        }
    }

    /// Sends the request to `target`: on a pooled connection unless `fresh`, else on a new one.
    private func startTry(on target: Int, fresh: Bool) {
        let pool = worker.pool(for: target, context: context)
        var connection = fresh ? nil : pool.acquire()
        if connection == nil {
            do {
                connection = try UpstreamConnection(target: target, pool: pool, context: context, worker: worker)
            } catch {
                if error.isLocalResourceShortage {
                    context.logger.error("cannot open an upstream connection", metadata: ["error": "\(error)"])
                    return perform(machine.localResourcesExhausted())
                }
                return perform(machine.upstreamFailed(.connectFailed, onStaleConnection: false, random: &worker.random))
            }
        }
        guard let connection else { return }
        upstream = connection
        exchange.upstreamRequest.withUnsafeBytes { bytes in
            connection.send(bytes, isHEAD: exchange.isHEAD, triesDeadline: machine.triesDeadline, delegate: self)
        }
    }

    /// Records how a try ended with the circuit breakers and, unless cancelled, in the statistics.
    func record(_ record: TryRecord) {
        let target = record.ended.target
        context.health.record(target: target, outcome: record.outcome, wasTrial: record.ended.isTrial)
        if record.outcome != .cancelled { worker.stats.recordTry(target: target, failed: record.outcome == .failure) }
    }
}
