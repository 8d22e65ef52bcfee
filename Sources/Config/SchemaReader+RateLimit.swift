import RateLimiter
import Yams

/// Reading `rate_limit:` with its `limits` list and `redis:` section.
extension SchemaReader {
    static let rateLimitKeys = ["enabled", "key", "limits", "plans", "max_tracked_keys", "store", "redis"]
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
        config.plans = readPlans(section)
        section.read("max_tracked_keys", .integer(MemoryStore.trackedKeysRange), into: &config.maxTrackedKeys)
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

    /// `rate_limit.plans`: plan name → a list of limits, each list checked as `limits` is.
    private static func readPlans(_ section: MappingReader) -> [String: [LimitRule]] {
        guard let node = section.node("plans"), !node.isNull else { return [:] }
        let path = section.child("plans")
        guard case .mapping(let mapping) = node else {
            section.log.report(line: node.mark?.line ?? section.line(of: "plans"), path: path,
                               "is \(node.kindName), expected a mapping (plan name → a list of { name, requests, per })")
            return [:]
        }
        let names = mapping.compactMap { key, _ -> String? in
            if case .scalar(let scalar) = key { return scalar.string }
            return nil
        }
        let plans = MappingReader(node, path: path, line: section.line(of: "plans"), known: names, log: section.log)
        var result: [String: [LimitRule]] = [:]
        for name in names where result[name] == nil {
            guard isValidPlanName(name) else {
                section.log.report(line: plans.line(of: name), path: plans.child(name),
                                   "is not a valid plan name (1 to 64 of A-Z a-z 0-9 . _ -)")
                continue
            }
            guard let items = plans.list(name, of: "a list of { name, requests, per }") else { continue }
            if items.isEmpty {
                section.log.report(line: plans.line(of: name), path: plans.child(name),
                                   "is empty (a plan has at least one limit)")
                continue
            }
            result[name] = readLimits(items, log: section.log)
        }
        return result
    }

    /// A plan name is what keys-file lines name: 1 to 64 of `[A-Za-z0-9._-]`.
    static func isValidPlanName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
        }
    }

    /// The limits as written; what they may be is the rate limiter's to say (`LimitPlan.problems(with:)`),
    /// so this reads only types and reports the limiter's problems at their lines.
    private static func readLimits(_ items: [(node: Node, path: String, line: Int)], log: ProblemLog) -> [LimitRule] {
        var limits: [LimitRule] = []
        var entries: [MappingReader] = []
        for item in items {
            let entry = MappingReader(item.node, path: item.path, line: item.line, known: limitKeys, log: log)
            let name = entry.required("name", .text(allowed: LimitRule.allowedName))
            let requests = entry.required("requests", .wholeNumber(allowed: LimitRule.allowedRequests))
            let per = entry.required("per", .duration(allowed: LimitRule.allowedPer))
            if let name, let requests, let per {
                limits.append(LimitRule(name: name, requests: requests, per: per))
                entries.append(entry)
            }
        }
        for problem in LimitPlan.problems(with: limits) {
            let entry = entries[problem.index]
            let field = problem.field?.rawValue
            log.report(line: field.map(entry.line(of:)) ?? entry.line, path: field.map(entry.child) ?? entry.path, problem.message)
        }
        return limits
    }
}
