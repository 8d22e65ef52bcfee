import Exchange
import Stats
import RateLimiter

/// SPEC §3 `auth`: the request's `Authorization: Bearer <api key>` is read (for the limiter and the access log's
/// key hash) and, when `auth.require_api_key`, required: a missing, malformed or repeated one is refused with 401.
struct APIKeyPresence: AdmissionStep {
    /// `auth.require_api_key`.
    let required: Bool
    /// A keys file is in force: a missing key counts in `/stats` `auth.missing`.
    let countsOutcome: Bool

    func admit(_ request: inout AdmissionRequest, on connection: ClientConnection) -> Admission {
        switch APIKeyExtraction.bearerToken(fromAuthorization: request.authorization?[...]) {
        case .success(let token):
            request.apiKey = token
            if connection.context.accessLog != nil { connection.exchange.keyHash = connection.context.keyHasher.hash(token) }
            return .admitted
        case .failure(let problem):
            guard required else { return .admitted }
            if countsOutcome { connection.worker.stats.recordAuth(.missing) }
            connection.exchange.refusal = PendingRefusal(error: .missingAuthorization, message: problem.message)
            return .refused
        }
    }
}
