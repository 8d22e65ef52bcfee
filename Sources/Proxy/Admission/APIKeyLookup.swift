import APIKeys
import Essentials
import Exchange
import Normaliser
import RateLimiter
import Stats

/// SPEC §10 checks 3–7: the key's format, then the keys file (unknown, revoked, expired), then the scope the
/// first matching `auth.scopes` rule asks for. A refusal is answered at once and never forwarded; a refused
/// key (checks 3–6) takes one token from the client address's `failed_auth_limit` bucket. An accepted key
/// names its consumer, which the rate limit then uses, and which goes upstream as `X-Consumer-Id` and
/// `X-Consumer-Plan`.
struct APIKeyLookup: AdmissionStep {
    let keys: KeyTable
    let rules: AccessRules
    /// The `failed_auth_limit` buckets, by client address.
    let guesses: RateLimiter

    func admit(_ request: inout AdmissionRequest, on connection: ClientConnection) -> Admission {
        guard var token = request.apiKey else { return .admitted }
        let head = connection.inbound.readable
        let verdict = token.withUTF8 { token in
            keys.verdict(
                token: UnsafeRawBufferPointer(token), method: UnsafeRawBufferPointer(rebasing: head[request.method]),
                target: UnsafeRawBufferPointer(rebasing: head[request.target]), now: SystemTime.wallSeconds(), rules: rules)
        }
        if verdict.isGuess { _ = guesses.decide(identity: connection.peerHost) }
        let stats = connection.worker.stats
        switch verdict {
        case .accepted(let reference):
            let consumer = keys.consumer(reference)
            stats.recordAuth(.accepted)
            request.consumer = (consumer.id, consumer.plan)
            connection.exchange.consumer = consumer.id
            var head = connection.exchange.upstreamRequest
            connection.exchange.upstreamRequest = []
            head.append(contentsOf: "X-Consumer-Id: ".utf8)
            head.append(contentsOf: consumer.id.utf8)
            if let plan = consumer.plan {
                head.append(contentsOf: "\r\nX-Consumer-Plan: ".utf8)
                head.append(contentsOf: plan.utf8)
            }
            head.append(contentsOf: "\r\n".utf8)
            connection.exchange.upstreamRequest = head
            return .admitted
        case .missing:
            stats.recordAuth(.missing)
            return refuse(.missingAuthorization, on: connection)
        case .invalidFormat:
            stats.recordAuth(.invalid)
            return refuse(.invalidAPIKey, message: "Invalid API key format", on: connection)
        case .unknown:
            stats.recordAuth(.invalid)
            return refuse(.invalidAPIKey, on: connection)
        case .revoked:
            stats.recordAuth(.revoked)
            return refuse(.apiKeyRevoked, on: connection)
        case .expired:
            stats.recordAuth(.expired)
            return refuse(.apiKeyExpired, on: connection)
        case .insufficientScope(let required):
            stats.recordAuth(.forbidden)
            return refuse(.insufficientScope, details: .object([JSONMember(name: "required", value: .string(required))]),
                          on: connection)
        }
    }

    private func refuse(_ error: ProxyError, message: String? = nil, details: JSONValue? = nil,
                        on connection: ClientConnection) -> Admission {
        connection.exchange.refusal = PendingRefusal(error: error, message: message ?? error.defaultMessage, details: details)
        return .refused
    }
}
