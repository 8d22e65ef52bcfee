import Exchange
import Normaliser
import RateLimiter

/// SPEC §5: one token from each of the identity's buckets, or a 429. The identity is the API key (`key:
/// api_key`; without a key, when auth does not require one, the client address) or the client address. One
/// path for both stores: the limiter decides in memory at once, or through the worker's Redis client later.
struct RateLimiting: AdmissionStep {
    let limiter: RateLimiter
    /// `rate_limit.key` is `api_key`.
    let byAPIKey: Bool
    /// `rate_limit.redis.on_failure` is `allow`: the local buckets stand in when Redis does not answer.
    let localFallback: Bool

    func admit(_ request: inout AdmissionRequest, on connection: ClientConnection) -> Admission {
        let keyed = byAPIKey && request.apiKey != nil
        let identity = keyed ? request.apiKey! : connection.peerHost[...]
        request.limited = (identity, keyed)
        switch limiter.decide(identity: identity, remote: connection.worker.redis, localFallback: localFallback,
                              waiter: connection, ticket: connection.requestGeneration) {
        case .decided(let decision):
            return RateLimiting.record(decision, identity: identity, isAPIKey: keyed, on: connection)
        case .pending:
            return .pending
        }
    }

    /// Records a decision on the request: its headers, its statistics (a refused identity by its key's hash or
    /// its client address, for `/stats` `top_limited`), and the 429 when refused.
    static func record(_ decision: RateLimitDecision, identity: Substring, isAPIKey: Bool, on connection: ClientConnection) -> Admission {
        decision.appendHeaders(to: &connection.exchange.rateLimitHeaders)
        let refusedLimit = decision.refusingLimit.map { decision.plan.rules[$0].name }
        connection.worker.stats.recordRateLimit(
            admitted: decision.admitted, limit: refusedLimit,
            identity: isAPIKey ? connection.context.keyHasher.hash(identity) : String(identity))
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
