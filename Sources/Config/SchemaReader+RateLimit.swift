import RateLimiter
import Yams

/// Reading `rate_limit:` with its `limits` list and `redis:` section.
extension SchemaReader {
    static let rateLimitKeys = ["enabled", "key", "limits", "plans", "max_tracked_keys", "store", "redis"]
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
        config.plans = readPlans(section)
        section.read("max_tracked_keys", .integer(MemoryStore.trackedKeysRange), into: &config.maxTrackedKeys)
        section.read("store", .choice, into: &config.store)
        let redis = section.section("redis", known: redisKeys)
        redis.read("address", .address(allowPortZero: false), into: &config.redis.address)
        redis.read("timeout", .duration(.milliseconds(1)...(.seconds(10))), into: &config.redis.timeout)
        redis.read("on_failure", .choice, into: &config.redis.onFailure)
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
