import Exchange
import Normaliser
import RateLimiter
import Stats

/// SPEC §10 check 2: a client address that has used up `auth.failed_auth_limit` (keys refused for their format,
/// unknown, revoked or expired) gets 429 with `Retry-After`, and its key is not looked up. Takes nothing here:
/// ``APIKeyLookup`` takes a token for each refused key.
struct FailedAuthThrottle: AdmissionStep {
    /// One bucket per client address.
    let guesses: RateLimiter

    func admit(_ request: inout AdmissionRequest, on connection: ClientConnection) -> Admission {
        guard request.apiKey != nil else { return .admitted }
        let decision = guesses.peek(identity: connection.peerHost)
        guard !decision.admitted, let refused = decision.refusal else { return .admitted }
        connection.worker.stats.recordAuth(.throttled)
        connection.exchange.rateLimitHeaders.append(contentsOf: "Retry-After: \(refused.retryAfter)\r\n".utf8)
        connection.exchange.refusal = PendingRefusal(
            error: .rateLimitExceeded,
            message: refused.message,
            details: .object([
                JSONMember(name: "retry_after", value: .integer(refused.retryAfter)),
                JSONMember(name: "limit", value: .integer(refused.limit)),
                JSONMember(name: "window", value: .string(refused.window)),
            ]))
        return .refused
    }
}
