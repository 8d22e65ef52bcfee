/// One token bucket (an item of `rate_limit.limits`).
public struct LimitConfig: Sendable, Equatable {
    /// `[a-z0-9_-]+`, unique; it names the `X-RateLimit-*-<Name>` headers and the IETF policy.
    public var name: String
    /// Bucket capacity.
    public var requests: Int
    /// Time in which an empty bucket refills completely.
    public var per: Duration

    /// Creates a limit.
    public init(name: String, requests: Int, per: Duration) {
        self.name = name
        self.requests = requests
        self.per = per
    }
}
