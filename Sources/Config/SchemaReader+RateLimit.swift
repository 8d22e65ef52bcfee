import Yams

/// Reading `rate_limit:` with its `limits` list and `redis:` section.
extension SchemaReader {
    static let rateLimitKeys = ["enabled", "key", "limits", "store", "redis"]
    static let limitKeys = ["name", "requests", "per"]
    static let redisKeys = ["address", "cluster", "username", "password", "database", "timeout", "on_failure"]

    static func readRateLimit(_ section: MappingReader) -> RateLimitConfig {
        var config = RateLimitConfig.default
        let enabledValid = section.read("enabled", .boolean, into: &config.enabled)
        section.read("key", .choice, into: &config.key)
        if let items = section.list("limits", of: "a list of { name, requests, per }") {
            config.limits = readLimits(items, log: section.log)
            if items.isEmpty && enabledValid && config.enabled {
                section.log.report(line: section.line(of: "limits"), path: section.child("limits"),
                                   "is empty while rate limiting is enabled (at least one limit, or enabled: false)")
            }
        }
        section.read("store", .choice, into: &config.store)
        let redis = section.section("redis", known: redisKeys)
        config.redis = readRedis(redis)
        return config
    }

    /// `rate_limit.redis`: one server (`address`, `database`) or a cluster's seed nodes, and the credentials.
    private static func readRedis(_ redis: MappingReader) -> RedisConfig {
        var config = RedisConfig.default
        redis.read("address", .address(allowPortZero: false), into: &config.address)
        let node = ValueParser<HostPort>.address(allowPortZero: false)
        if let items = redis.list("cluster", of: "a list of seed nodes host:port, e.g. [\"10.0.0.1:7000\"]") {
            config.cluster = items.compactMap { redis.log.value(of: $0.node, path: $0.path, line: $0.line, node) }
        }
        let credential = ValueParser<String>.text(allowed: "text without spaces or control characters") { text in
            text.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7f } ? "has a space or a control character" : nil
        }
        redis.read("username", credential, into: &config.username)
        redis.read("password", credential, into: &config.password)
        let databaseValid = redis.read("database", .integer(0...Int(Int32.max)), into: &config.database)
        if !config.username.isEmpty && config.password.isEmpty {
            redis.log.report(line: redis.line(of: "username"), path: redis.child("username"),
                             "is set without a password (an ACL user authenticates with AUTH username password)")
        }
        if databaseValid && config.database != 0 && !config.cluster.isEmpty {
            redis.log.report(line: redis.line(of: "database"), path: redis.child("database"),
                             "is \(config.database) with a cluster (a Redis Cluster has only database 0)")
        }
        redis.read("timeout", .duration(.milliseconds(1)...(.seconds(10))), into: &config.timeout)
        redis.read("on_failure", .choice, into: &config.onFailure)
        return config
    }

    private static func readLimits(_ items: [(node: Node, path: String, line: Int)], log: ProblemLog) -> [LimitConfig] {
        var limits: [LimitConfig] = []
        var namesSeen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let entry = MappingReader(item.node, path: item.path, line: item.line, known: limitKeys, log: log)
            let name = entry.required("name", limitName)
            let requests = entry.required("requests", .integer(1...1_000_000_000))
            let per = entry.required("per", .duration(.milliseconds(1)...(.seconds(366 * 86_400))))
            if let name {
                if let first = namesSeen[name] {
                    log.report(line: entry.line(of: "name"), path: entry.child("name"),
                               "\"\(name)\" is the name of limits[\(first)] too (a name used once)")
                } else {
                    namesSeen[name] = index
                }
            }
            if let name, let requests, let per {
                limits.append(LimitConfig(name: name, requests: requests, per: per))
            }
        }
        return limits
    }

    /// A limit name: it becomes part of header names such as `X-RateLimit-Limit-Minute`.
    static let limitName = ValueParser<String>.text(allowed: "1 to 32 of a-z, 0-9, _ and -, e.g. minute") { name in
        if name.isEmpty { return "the name is empty" }
        if name.count > 32 { return "\"\(name)\" is too long" }
        let valid = name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
        return valid ? nil : "\"\(name)\" has characters other than a-z, 0-9, _ and -"
    }
}
