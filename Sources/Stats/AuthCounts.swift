/// How the API-key checks of SPEC §10 ended for a request (one of `/stats` `auth`'s counters).
public enum AuthOutcome: Int, CaseIterable, Sendable {
    /// A key of the keys file, accepted.
    case accepted
    /// No usable `Authorization: Bearer` (401 `MISSING_AUTHORIZATION`).
    case missing
    /// Wrong prefix or not in the file (401 `INVALID_API_KEY`).
    case invalid
    /// Marked revoked (401 `API_KEY_REVOKED`).
    case revoked
    /// Past its `expires` (401 `API_KEY_EXPIRED`).
    case expired
    /// Lacks the scope a rule asks for (403 `INSUFFICIENT_SCOPE`).
    case forbidden
    /// The client address used up `auth.failed_auth_limit` (429; the key not looked up).
    case throttled

    /// The counter's name in `/stats` `auth` and the `outcome` label of `sluice_auth_requests_total`.
    public var name: String {
        switch self {
        case .accepted: "accepted"
        case .missing: "missing"
        case .invalid: "invalid"
        case .revoked: "revoked"
        case .expired: "expired"
        case .forbidden: "forbidden"
        case .throttled: "throttled"
        }
    }
}

/// Requests counted by `AuthOutcome`.
public struct AuthCounts: Sendable, Equatable {
    private var counts = [UInt64](repeating: 0, count: AuthOutcome.allCases.count)

    /// No requests counted.
    public init() {}

    /// The count of `outcome`.
    public subscript(outcome: AuthOutcome) -> UInt64 {
        get { counts[outcome.rawValue] }
        set { counts[outcome.rawValue] = newValue }
    }

    /// Adds `other`'s counts to these.
    public mutating func merge(_ other: AuthCounts) {
        for outcome in AuthOutcome.allCases { self[outcome] &+= other[outcome] }
    }
}
