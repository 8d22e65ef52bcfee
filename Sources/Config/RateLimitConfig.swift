import RateLimiter

/// Token-bucket rate limiting (`rate_limit:`).
public struct RateLimitConfig: Sendable, Equatable {
    /// When false, nothing is limited and no rate-limit headers are sent.
    public var enabled: Bool
    /// What identifies a client.
    public var key: RateLimitKey
    /// The buckets every request takes one token from; the first is the "standard" limit. Validated
    /// by `LimitPlan.problems(with:)`, so the limiter enforces every one of them exactly.
    public var limits: [LimitRule]
    /// The most identities the memory store tracks; past it the least recently used are forgotten.
    public var maxTrackedKeys: Int
    /// Named sets of limits for the consumers of the keys file (SPEC §10), by plan name, each validated as
    /// `limits` is; a consumer without a plan uses `limits`.
    public var plans: [String: [LimitRule]]
    /// Where bucket state lives.
    public var store: RateLimitStoreKind
    /// The Redis store, used when `store` is `.redis`.
    public var redis: RedisConfig

    /// Creates a rate-limit section; every argument defaults to SPEC §3.
    public init(
        enabled: Bool = true,
        key: RateLimitKey = .apiKey,
        limits: [LimitRule] = [
            LimitRule(name: "hour", requests: 100, per: .seconds(3600)),
            LimitRule(name: "minute", requests: 10, per: .seconds(60)),
        ],
        maxTrackedKeys: Int = MemoryStore.defaultMaxTrackedKeys,
        plans: [String: [LimitRule]] = [:],
        store: RateLimitStoreKind = .memory,
        redis: RedisConfig = .default
    ) {
        self.enabled = enabled
        self.key = key
        self.limits = limits
        self.maxTrackedKeys = maxTrackedKeys
        self.plans = plans
        self.store = store
        self.redis = redis
    }

    /// The defaults of SPEC §3.
    public static let `default` = RateLimitConfig()
}

/// What identifies a rate-limited client.
public enum RateLimitKey: String, Sendable, Equatable, CaseIterable {
    /// The token of `Authorization: Bearer <token>` (`api_key`).
    case apiKey = "api_key"
    /// The client's IP address (`client_ip`).
    case clientIP = "client_ip"
}

/// Where token buckets are kept.
public enum RateLimitStoreKind: String, Sendable, Equatable, CaseIterable {
    /// In this process, shared by all worker threads.
    case memory
    /// In Redis, shared by every sluice instance using it.
    case redis
}
