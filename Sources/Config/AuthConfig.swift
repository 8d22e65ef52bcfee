import RateLimiter

/// Client authentication (`auth:`, SPEC §3 and §10).
public struct AuthConfig: Sendable, Equatable {
    /// When true, a request without `Authorization: Bearer <key>` gets 401 MISSING_AUTHORIZATION.
    public var requireAPIKey: Bool
    /// The keys file (JSON Lines of hashed keys); empty: any key is accepted and limited by its own buckets.
    public var keysFile: String
    /// A prefix every key has (e.g. `keva_live_`); empty for none. Only with a keys file.
    public var keyPrefix: String
    /// How often the keys file is checked for a change (its modification time and size).
    public var keysReload: Duration
    /// Refused keys (wrong format, unknown, revoked, expired) allowed per client address; past it: 429. One
    /// token bucket per address, named `failed_auth`.
    public var failedAuthLimit: LimitRule
    /// Scope rules, in order: the first that covers a request decides which scope its key needs.
    public var scopes: [ScopeRuleConfig]

    /// Creates an auth section; every argument defaults to SPEC §3.
    public init(
        requireAPIKey: Bool = true, keysFile: String = "", keyPrefix: String = "", keysReload: Duration = .seconds(5),
        failedAuthLimit: LimitRule = AuthConfig.defaultFailedAuthLimit, scopes: [ScopeRuleConfig] = []
    ) {
        self.requireAPIKey = requireAPIKey
        self.keysFile = keysFile
        self.keyPrefix = keyPrefix
        self.keysReload = keysReload
        self.failedAuthLimit = failedAuthLimit
        self.scopes = scopes
    }

    /// The defaults of SPEC §3.
    public static let `default` = AuthConfig()

    /// `failed_auth_limit: { requests: 20, per: 1m }`.
    public static let defaultFailedAuthLimit = LimitRule(name: "failed_auth", requests: 20, per: .seconds(60))
}

/// One `auth.scopes` item: requests with one of `methods` (all when nil) to `path` or below need `scope`.
public struct ScopeRuleConfig: Sendable, Equatable {
    /// Methods as written (upper case); nil for every method.
    public var methods: [String]?
    /// A path prefix starting with `/`; it ends at a `/` of the request path or at its end.
    public var path: String
    /// The scope a key needs.
    public var scope: String

    /// Creates a rule.
    public init(methods: [String]? = nil, path: String, scope: String) {
        self.methods = methods
        self.path = path
        self.scope = scope
    }
}
