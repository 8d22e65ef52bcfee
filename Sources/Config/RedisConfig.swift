/// The Redis rate-limit store (`rate_limit.redis:`).
public struct RedisConfig: Sendable, Equatable {
    /// The Redis server (ignored when `cluster` names seed nodes).
    public var address: HostPort
    /// Seed nodes of a Redis Cluster (SPEC §13); empty for a single server at `address`.
    public var cluster: [HostPort]
    /// The ACL user to authenticate as (Redis 6+); empty for the default user.
    public var username: String
    /// The `AUTH` password; empty for none.
    public var password: String
    /// The database `SELECT`ed on a single server (a cluster has only database 0).
    public var database: Int
    /// Limit for one Redis round trip.
    public var timeout: Duration
    /// What happens when Redis does not answer in time.
    public var onFailure: RedisFailurePolicy

    /// Creates a Redis section; every argument defaults to SPEC §3.
    public init(
        address: HostPort = HostPort(host: "127.0.0.1", port: 6379),
        cluster: [HostPort] = [],
        username: String = "",
        password: String = "",
        database: Int = 0,
        timeout: Duration = .milliseconds(50),
        onFailure: RedisFailurePolicy = .allow
    ) {
        self.address = address
        self.cluster = cluster
        self.username = username
        self.password = password
        self.database = database
        self.timeout = timeout
        self.onFailure = onFailure
    }

    /// The defaults of SPEC §3.
    public static let `default` = RedisConfig()
}

/// What to do when Redis fails or times out.
public enum RedisFailurePolicy: String, Sendable, Equatable, CaseIterable {
    /// Fall back to local (memory) buckets.
    case allow
    /// Refuse with 503 SERVICE_UNAVAILABLE.
    case deny
}
