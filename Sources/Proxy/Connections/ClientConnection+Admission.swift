import Normaliser
import RateLimiter

/// Who may pass: the API key (SPEC §3 `auth`) and the rate limiter (§5), decided on the request
/// head; a refusal is answered once the body is read and is never forwarded.
extension ClientConnection {
    /// Auth (SPEC §3 `auth`) and rate limiting (§5), decided on the head. A refusal is answered
    /// once the body has been read; it takes no token from any bucket.
    func admit(authorization: String?) {
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
                    return
                }
            }
        }
        guard let limiter = context.limiter else { return }
        // Without a key (auth not required), a request is limited by its client address.
        let byKey = config.rateLimit.key == .apiKey && apiKey != nil
        guard let redis = worker.redis else {
            if byKey { return apply(limiter.decide(identity: apiKey!), identity: apiKey!, isAPIKey: true) }
            return apply(limiter.decide(identity: peerHost), identity: peerHost[...], isAPIKey: false)
        }
        let identity = byKey ? String(apiKey!) : peerHost
        exchange.decisionPending = true
        let generation = requestGeneration
        redis.decide(identity: identity, plan: context.limitPlan) { [weak self] decision in
            guard let self, self.state != .closed, self.requestGeneration == generation else { return }
            self.redisDecided(decision, identity: identity, isAPIKey: byKey, limiter: limiter)
        }
    }

    /// The Redis store answered (or not, within `redis.timeout`: then `on_failure` decides).
    private func redisDecided(_ decision: RateLimitDecision?, identity: String, isAPIKey: Bool, limiter: RateLimiter) {
        exchange.decisionPending = false
        if let decision {
            apply(decision, identity: identity[...], isAPIKey: isAPIKey)
        } else if context.config.rateLimit.redis.onFailure == .allow {
            // The local buckets stand in.
            apply(limiter.decide(identity: identity), identity: identity[...], isAPIKey: isAPIKey)
        } else if exchange.refusal == nil {
            exchange.refusal = PendingRefusal(error: .serviceUnavailable, message: "Rate limiting is unavailable; try again later")
        }
        if exchange.dispatchWhenDecided {
            exchange.dispatchWhenDecided = false
            dispatch()
        }
    }

    /// Records a rate-limit decision on the exchange: its headers, and the 429 when refused. `identity` is what
    /// was limited (an API key, shown in `/stats` `top_limited` only as its hash, or a client address).
    func apply(_ decision: RateLimitDecision, identity: Substring, isAPIKey: Bool) {
        decision.appendHeaders(to: &exchange.rateLimitHeaders)
        let refusedLimit = decision.refusingLimit.map { decision.plan.rules[$0].name }
        worker.stats.recordRateLimit(admitted: decision.admitted, limit: refusedLimit,
                                     identity: isAPIKey ? self.context.keyHasher.hash(identity) : String(identity))
        exchange.rateLimitOutcome = decision.admitted ? .allowed : .limited
        if let refused = decision.refusal {
            exchange.refusal = PendingRefusal(
                error: .rateLimitExceeded, message: refused.message,
                details: .object([
                    JSONMember(name: "retry_after", value: .integer(refused.retryAfter)),
                    JSONMember(name: "limit", value: .integer(refused.limit)),
                    JSONMember(name: "window", value: .string(refused.window)),
                ]))
        }
    }
}
