import Exchange
import Normaliser
import RateLimiter

/// SPEC §5: one token from each of the identity's buckets, or a 429. The identity is the consumer the keys file
/// accepted, under its plan (SPEC §10); else the API key (`key: api_key`; without a key, when auth does not
/// require one, the client address) or the client address, under `rate_limit.limits`. One path for both
/// stores: the limiter decides in memory at once, or through the worker's Redis client later (keyed by a hash
/// of the identity).
struct RateLimiting: AdmissionStep {
    let limiters: PlanLimiters
    /// `rate_limit.key` is `api_key`.
    let byAPIKey: Bool
    /// `rate_limit.redis.on_failure` is `allow`: the local buckets stand in when Redis does not answer.
    let localFallback: Bool

    func admit(_ request: inout AdmissionRequest, on connection: ClientConnection) -> Admission {
        let limiter: RateLimiter
        let identity: Substring
        if let consumer = request.consumer {
            limiter = limiters.limiter(forPlan: consumer.plan)
            identity = consumer.id[...]
            connection.exchange.limitedIdentity = .consumer(consumer.id)
        } else if byAPIKey, let key = request.apiKey {
            limiter = limiters.standard
            identity = key
            connection.exchange.limitedIdentity = .apiKey(key)
        } else {
            limiter = limiters.standard
            identity = connection.peerHost[...]
            connection.exchange.limitedIdentity = .address
        }
        switch limiter.decide(identity: identity, remote: connection.worker.redis, localFallback: localFallback,
                              waiter: connection, ticket: connection.requestGeneration) {
        case .decided(let decision):
            return RateLimiting.record(decision, on: connection)
        case .pending:
            return .pending
        }
    }

    /// Who a decision limited, as `/stats` `rate_limit.top_limited` names it (never a raw key).
    enum LimitedIdentity {
        case consumer(String)
        case apiKey(Substring)
        case address

        /// The consumer id, the key's 12-hex hash, or the client address.
        func shown(by connection: ClientConnection) -> String {
            switch self {
            case .consumer(let id): return id
            case .apiKey(let key): return connection.context.keyHasher.hash(key)
            case .address: return connection.peerHost
            }
        }
    }

    /// Records a decision on the request: its headers, its statistics, and the 429 when refused.
    static func record(_ decision: RateLimitDecision, on connection: ClientConnection) -> Admission {
        decision.appendHeaders(to: &connection.exchange.rateLimitHeaders)
        let refusedLimit = decision.refusingLimit.map { decision.plan.rules[$0].name }
        connection.worker.stats.recordRateLimit(
            admitted: decision.admitted, limit: refusedLimit, identity: connection.exchange.limitedIdentity.shown(by: connection))
        connection.exchange.rateLimitOutcome = decision.admitted ? .allowed : .limited
        guard let refused = decision.refusal else { return .admitted }
        connection.exchange.refusal = PendingRefusal(
            error: .rateLimitExceeded, message: refused.message,
            details: .object([
                JSONMember(name: "retry_after", value: .integer(refused.retryAfter)),
                JSONMember(name: "limit", value: .integer(refused.limit)),
                JSONMember(name: "window", value: .string(refused.window)),
            ]))
        return .refused
    }
}
