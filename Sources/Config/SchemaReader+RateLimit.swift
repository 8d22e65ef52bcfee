import Yams

/// Reading `rate_limit:` with its `limits` list and `redis:` section.
extension SchemaReader {
    static let rateLimitKeys = ["enabled", "key", "limits", "store", "redis"]
    static let limitKeys = ["name", "requests", "per"]
    static let redisKeys = ["address", "timeout", "on_failure"]

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
        redis.read("address", .address(allowPortZero: false), into: &config.redis.address)
        redis.read("timeout", .duration(.milliseconds(1)...(.seconds(10))), into: &config.redis.timeout)
        redis.read("on_failure", .choice, into: &config.redis.onFailure)
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
