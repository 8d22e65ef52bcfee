import RateLimiter
import Yams

/// Reading `auth:` with its keys-file settings, `failed_auth_limit` and `scopes` (SPEC §10).
extension SchemaReader {
    static let authKeys = ["require_api_key", "keys_file", "key_prefix", "keys_reload", "failed_auth_limit", "scopes"]
    static let failedAuthLimitKeys = ["requests", "per"]
    static let scopeRuleKeys = ["methods", "path", "scope"]

    static func readAuth(_ section: MappingReader) -> AuthConfig {
        var config = AuthConfig.default
        section.read("require_api_key", .boolean, into: &config.requireAPIKey)
        section.read("keys_file", keysFile, into: &config.keysFile)
        section.read("key_prefix", keyPrefix, into: &config.keyPrefix)
        section.read("keys_reload", .duration(.milliseconds(100)...(.seconds(3600))), into: &config.keysReload)
        config.failedAuthLimit = readFailedAuthLimit(section.section("failed_auth_limit", known: failedAuthLimitKeys))
        if let items = section.list("scopes", of: "a list of { methods, path, scope }") {
            config.scopes = items.compactMap { readScopeRule($0, log: section.log) }
        }
        if config.keysFile.isEmpty {
            for key in ["key_prefix", "scopes"] where section.node(key) != nil && !isEmptyValue(section.node(key)) {
                section.log.report(line: section.line(of: key), path: section.child(key),
                                   "has no effect without auth.keys_file (set keys_file, or remove \(key))")
            }
        }
        return config
    }

    /// `failed_auth_limit: { requests, per }`: one limit named `failed_auth`, checked by the rate limiter as every limit is.
    private static func readFailedAuthLimit(_ section: MappingReader) -> LimitRule {
        var rule = AuthConfig.defaultFailedAuthLimit
        section.read("requests", .wholeNumber(allowed: LimitRule.allowedRequests), into: &rule.requests)
        section.read("per", .duration(allowed: LimitRule.allowedPer), into: &rule.per)
        let problems = LimitPlan.problems(with: [rule])
        for problem in problems {
            let field = problem.field?.rawValue
            section.log.report(line: field.map(section.line(of:)) ?? section.line, path: field.map(section.child) ?? section.path,
                               problem.message)
        }
        return problems.isEmpty ? rule : AuthConfig.defaultFailedAuthLimit
    }

    private static func readScopeRule(_ item: (node: Node, path: String, line: Int), log: ProblemLog) -> ScopeRuleConfig? {
        let entry = MappingReader(item.node, path: item.path, line: item.line, known: scopeRuleKeys, log: log)
        var methods: [String]? = nil
        var methodsValid = true
        if let list = entry.list("methods", of: "HTTP methods in upper case, e.g. [POST, PUT]") {
            let parsed = list.compactMap { log.value(of: $0.node, path: $0.path, line: $0.line, method) }
            methodsValid = parsed.count == list.count
            if list.isEmpty {
                log.report(line: entry.line(of: "methods"), path: entry.child("methods"),
                           "is empty (list methods, or leave methods out for every method)")
                methodsValid = false
            }
            methods = parsed
        } else if entry.node("methods") != nil {
            methodsValid = false
        }
        let path = entry.required("path", scopePath)
        let scope = entry.required("scope", scopeName)
        guard methodsValid, let path, let scope else { return nil }
        return ScopeRuleConfig(methods: methods, path: path, scope: scope)
    }

    private static func isEmptyValue(_ node: Node?) -> Bool {
        guard let node else { return true }
        if node.isNull { return true }
        if case .scalar(let scalar) = node { return scalar.string.isEmpty }
        if case .sequence(let sequence) = node { return sequence.isEmpty }
        return false
    }

    /// `auth.keys_file`: a path, or `""` for none.
    static let keysFile = ValueParser<String>.text(allowed: "a file path, or \"\" to accept any key") { text in
        text.unicodeScalars.contains { $0.value < 0x20 } ? "the path contains control characters" : nil
    }

    /// `auth.key_prefix`: what may start a bearer token.
    static let keyPrefix = ValueParser<String>.text(allowed: "at most 64 of A-Z a-z 0-9 . _ - ~ + /, e.g. keva_live_") { text in
        let valid = text.utf8.count <= 64 && text.unicodeScalars.allSatisfy { scalar in
            ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
                || ".-_~+/".unicodeScalars.contains(scalar)
        }
        return valid ? nil : "\"\(text)\" cannot start a bearer token"
    }

    /// A method of a scope rule: an HTTP token in upper case.
    static let method = ValueParser<String>.text(allowed: "an HTTP method in upper case, e.g. POST") { text in
        !text.isEmpty && text.count <= 32 && text.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) }
            ? nil : "\"\(text)\" is not an upper-case method name"
    }

    /// The path of a scope rule: starts with `/`, no query, no spaces.
    static let scopePath = ValueParser<String>.text(allowed: "a path prefix starting with /, e.g. /v1/tickets") { text in
        guard text.hasPrefix("/") else { return "\"\(text)\" does not start with /" }
        if text.contains("?") || text.contains("#") { return "\"\(text)\" has a query or fragment (the query is ignored)" }
        if text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            return "the path contains spaces or control characters"
        }
        return nil
    }

    /// A scope name, as keys list them.
    static let scopeName = ValueParser<String>.text(allowed: "a non-empty scope name, e.g. tickets:write") { text in
        if text.isEmpty { return "the scope is empty" }
        return text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) ? "the scope contains control characters" : nil
    }
}
