import Exchange
import RateLimiter

/// Who may pass: the configuration's ``AdmissionChain`` (API key, key checks, rate limit), run on the request head;
/// a refusal is answered once the body is read and is never forwarded.
extension ClientConnection: RateLimitWaiter {
    /// Runs the admission chain on the head. A refusal takes no token from any bucket.
    func admit(authorization: String?, method: Range<Int>, target: Range<Int>) -> Admission {
        if case .some = pendingAdmission { pendingAdmission = nil }  // an earlier request's, never resumed
        var request = AdmissionRequest(authorization: authorization, method: method, target: target)
        let (admission, stoppedAt) = context.admission.run(&request, on: self)
        if admission == .pending { pendingAdmission = (request, stoppedAt) }
        return admission
    }

    /// The step that made the chain wait decided `admission`: the chain goes on after it, and the request's
    /// machine hears the outcome.
    func resumeAdmission(_ admission: Admission) {
        guard let (request, step) = pendingAdmission else { return }
        pendingAdmission = nil
        var outcome = admission
        if outcome == .admitted {
            var rest = request
            let (next, stoppedAt) = context.admission.run(&rest, from: step + 1, on: self)
            if next == .pending { return pendingAdmission = (rest, stoppedAt) }
            outcome = next
        }
        perform(machine.decisionArrived(outcome, cursor: &worker.nextTarget))
    }

    /// The Redis store answered for request `ticket` (or not, within `redis.timeout`, and `on_failure: deny`
    /// refuses it). A late answer for an earlier request, or after the client left, changes nothing.
    func rateLimitDecided(_ decision: RateLimitDecision?, ticket: UInt64) {
        guard state != .closed, requestGeneration == ticket else { return }
        if let decision {
            return resumeAdmission(RateLimiting.record(decision, on: self))
        }
        exchange.refusal = PendingRefusal(error: .serviceUnavailable, message: "Rate limiting is unavailable; try again later")
        resumeAdmission(.refused)
    }
}
