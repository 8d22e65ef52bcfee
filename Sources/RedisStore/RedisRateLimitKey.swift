import RateLimiter

/// The Redis key of an identity's buckets: `sluice:rl:` then 24 hex digits (96 bits) of SipHash-2-4
/// under two fixed keys (two `KeyHasher`s of 48 bits each). The raw identity (an API key) never
/// reaches Redis. The hash keys are constants so that every sluice instance sharing a Redis derives
/// the same key for the same identity (a per-process random key would split the limit per instance);
/// changing them starts every identity afresh.
public enum RedisRateLimitKey {
    /// Every key of the limiter starts with this.
    public static let prefix = "sluice:rl:"

    private static let high = KeyHasher(key0: 0x736c_7569_6365_2d72, key1: 0x6c2d_6b65_7973_2d31)
    private static let low = KeyHasher(key0: 0x9e37_79b9_7f4a_7c15, key1: 0xc2b2_ae3d_27d4_eb4f)

    /// The key holding `identity`'s buckets.
    public static func key(for identity: some StringProtocol) -> String {
        prefix + high.hash(identity) + low.hash(identity)
    }
}
