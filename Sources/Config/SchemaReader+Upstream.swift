/// Reading `upstream:` and its nested `health_check:` and `circuit_breaker:`.
extension SchemaReader {
    static let upstreamKeys = [
        "targets", "connect_timeout", "response_timeout", "keepalive", "retries", "retry_backoff", "retry_on",
        "health_check", "circuit_breaker", "tls",
    ]
    static let healthCheckKeys = ["path", "interval", "timeout"]
    static let circuitBreakerKeys = ["failures", "open_for"]

    static func readUpstream(_ upstream: MappingReader, fileKeyLines: inout FileKeyLines) -> UpstreamConfig {
        var config = UpstreamConfig.default
        config.targets = readTargets(upstream)
        upstream.read("connect_timeout", .duration(.milliseconds(1)...(.seconds(600))), into: &config.connectTimeout)
        upstream.read("response_timeout", .duration(.milliseconds(1)...(.seconds(3600))), into: &config.responseTimeout)
        upstream.read("keepalive", .integer(0...10_000), into: &config.keepalive)
        upstream.read("retries", .integer(0...10), into: &config.retries)
        upstream.read("retry_backoff", .duration(.zero...(.seconds(60))), into: &config.retryBackoff)
        let status = ValueParser<Int>.integer(100...599)
        if let items = upstream.list("retry_on", of: "a list of HTTP statuses, 100 to 599") {
            config.retryOn = items.compactMap { upstream.log.value(of: $0.node, path: $0.path, line: $0.line, status) }
        }
        config.healthCheck = readHealthCheck(upstream.section("health_check", known: healthCheckKeys))
        let breaker = upstream.section("circuit_breaker", known: circuitBreakerKeys)
        breaker.read("failures", .integer(1...10_000), into: &config.circuitBreaker.failures)
        breaker.read("open_for", .duration(.milliseconds(1)...(.seconds(3600))), into: &config.circuitBreaker.openFor)
        config.tls = readUpstreamTLS(upstream.section("tls", known: upstreamTLSKeys), fileKeyLines: &fileKeyLines)
        return config
    }

    /// `upstream.targets`: required, at least one, no repeats.
    private static func readTargets(_ upstream: MappingReader) -> [UpstreamTarget] {
        let parser = UpstreamTarget.parser
        let allowed = "a list of one or more host:port or https://host:port, e.g. [\"127.0.0.1:3000\"]"
        guard upstream.node("targets") != nil else {
            guard upstream.isValid else { return [] }
            upstream.log.report(line: upstream.line, path: upstream.child("targets"), "is missing (\(allowed))")
            return []
        }
        guard let items = upstream.list("targets", of: allowed) else { return [] }
        if items.isEmpty {
            upstream.log.report(line: upstream.line(of: "targets"), path: upstream.child("targets"), "is empty (\(allowed))")
        }
        var targets: [(index: Int, target: UpstreamTarget)] = []
        for (index, item) in items.enumerated() {
            guard let target = upstream.log.value(of: item.node, path: item.path, line: item.line, parser) else { continue }
            if let first = targets.first(where: { $0.target.address == target.address }) {
                upstream.log.report(line: item.line, path: item.path,
                                    "\(target) is listed twice (each target once; it is targets[\(first.index)] already)")
            }
            targets.append((index, target))
        }
        return targets.map(\.target)
    }

    private static func readHealthCheck(_ section: MappingReader) -> HealthCheckConfig {
        var config = HealthCheckConfig.default
        section.read("path", healthPath, into: &config.path)
        let intervalValid = section.read("interval", .duration(.milliseconds(10)...(.seconds(3600))), into: &config.interval)
        let timeoutValid = section.read("timeout", .duration(.milliseconds(1)...(.seconds(3600))), into: &config.timeout)
        if intervalValid, timeoutValid, config.timeout >= config.interval {
            let timeout = Quantity.format(config.timeout), interval = Quantity.format(config.interval)
            section.log.report(line: section.line(of: "timeout"), path: section.child("timeout"),
                               "\(timeout) is not less than interval \(interval) (a timeout shorter than the interval)")
        }
        return config
    }

    /// `upstream.health_check.path`: `""`, or an absolute path without spaces.
    static let healthPath = ValueParser<String>.text(allowed: "a path starting with /, or \"\" to disable") { path in
        if path.isEmpty { return nil }
        if !path.hasPrefix("/") { return "\"\(path)\" does not start with /" }
        if path.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value >= 0x7F }) {
            return "\"\(path)\" contains spaces, control or non-ASCII characters"
        }
        return nil
    }
}
