import Exchange
import Normaliser
import RateLimiter

/// Who may pass: the API key (SPEC §3 `auth`) and the rate limiter (§5), decided on the request
/// head; a refusal is answered once the body is read and is never forwarded.
extension ClientConnection {
    /// Auth (SPEC §3 `auth`) and rate limiting (§5), decided on the head. A refusal is answered
    /// once the body has been read; it takes no token from any bucket.
    func admit(authorization: String?) -> Admission {
        let config = context.config
        var apiKey: Substring? = nil
        if config.auth.requireAPIKey || config.rateLimit.key == .apiKey {
            switch APIKeyExtraction.bearerToken(fromAuthorization: authorization?[...]) {
            case .success(let token):
                apiKey = token
                if context.accessLog != nil { exchange.keyHash = context.keyHasher.hash(token) }
            case .failure(let problem):
                if config.auth.requireAPIKey {
                    exchange.refusal = PendingRefusal(error: .missingAuthorization, message: problem.message)
                    return .refused
                }
            }
        }
        guard let limiter = context.limiter else { return .admitted }
        // Without a key (auth not required), a request is limited by its client address.
        let byKey = config.rateLimit.key == .apiKey && apiKey != nil
        guard let redis = worker.redis else {
            return apply(byKey ? limiter.decide(identity: apiKey!) : limiter.decide(identity: peerHost))
        }
        let identity = byKey ? String(apiKey!) : peerHost
        let generation = requestGeneration
        redis.decide(identity: identity, plan: context.limitPlan) { [weak self] decision in
            guard let self, self.state != .closed, self.requestGeneration == generation else { return }
            self.redisDecided(decision, identity: identity, limiter: limiter)
        }
        return .pending
    }

    /// The Redis store answered (or not, within `redis.timeout`: then `on_failure` decides).
    private func redisDecided(_ decision: RateLimitDecision?, identity: String, limiter: RateLimiter) {
        let admission: Admission
        if let decision {
            admission = apply(decision)
        } else if context.config.rateLimit.redis.onFailure == .allow {
            admission = apply(limiter.decide(identity: identity))  // the local buckets stand in
        } else {
            exchange.refusal = PendingRefusal(error: .serviceUnavailable, message: "Rate limiting is unavailable; try again later")
            admission = .refused
        }
        perform(machine.decisionArrived(admission, cursor: &worker.nextTarget))
    }

    /// Records a rate-limit decision on the exchange: its headers, and the 429 when refused.
    @discardableResult
    func apply(_ decision: RateLimitDecision) -> Admission {
        decision.appendHeaders(to: &exchange.rateLimitHeaders)
        let refusedLimit = decision.refusingLimit.map { decision.plan.rules[$0].name }
        worker.stats.recordRateLimit(admitted: decision.admitted, limit: refusedLimit)
        exchange.rateLimitOutcome = decision.admitted ? .allowed : .limited
        if let refused = decision.refusal {
            exchange.refusal = PendingRefusal(
                error: .rateLimitExceeded, message: refused.message,
                details: .object([
                    JSONMember(name: "retry_after", value: .integer(refused.retryAfter)),
                    JSONMember(name: "limit", value: .integer(refused.limit)),
                    JSONMember(name: "window", value: .string(refused.window)),
                ]))
            return .refused
        }
        return .admitted
    }
}
