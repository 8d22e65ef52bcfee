/// What the keys file says of a request's API key: SPEC §10 checks 1 and 3–7, in that order.
///
/// Check 2 (the client address's `failed_auth_limit`) sits between `.missing` and the others and belongs to
/// the caller: it runs after an empty token is ruled out and before `KeyTable.verdict`, and takes one token
/// for each verdict whose `isGuess` is true.
public enum KeyVerdict: Hashable, Sendable {
    /// No key: 401 `MISSING_AUTHORIZATION`.
    case missing
    /// `auth.key_prefix` is set and the key lacks it: 401 `INVALID_API_KEY` "Invalid API key format".
    case invalidFormat
    /// Not in the file: 401 `INVALID_API_KEY` "Invalid API key".
    case unknown
    /// Marked `revoked`: 401 `API_KEY_REVOKED`.
    case revoked
    /// At or past its `expires`: 401 `API_KEY_EXPIRED`.
    case expired
    /// The first matching `auth.scopes` rule names a scope the key's consumer lacks: 403 `INSUFFICIENT_SCOPE`
    /// with `details.required`.
    case insufficientScope(required: String)
    /// A valid key of this consumer: forward, limited by the consumer's plan.
    case accepted(ConsumerRef)

    /// Whether this counts as a guess against the client address's `failed_auth_limit` (SPEC §10 outcomes 3–6).
    public var isGuess: Bool {
        switch self {
        case .invalidFormat, .unknown, .revoked, .expired: return true
        case .missing, .insufficientScope, .accepted: return false
        }
    }
}
