import Foundation
import XCTest

/// Helpers for the rate-limit and API-key integration tests (SPEC §3 `auth`, §5).
extension IntegrationTestCase {
    /// The SPEC's default limits: 100 per hour (standard) and 10 per minute (burst).
    static let defaultRateLimits = [
        "limits:",
        "  - { name: hour, requests: 100, per: 1h }",
        "  - { name: minute, requests: 10, per: 1m }",
    ]

    /// Starts sluice with API keys required, rate limiting on, and `limits` (YAML lines under `rate_limit`).
    @discardableResult
    func startLimitedSluice(limits: [String] = defaultRateLimits, key: String = "api_key", requireKey: Bool = true,
                            _ configure: (inout SluiceConfig) -> Void = { _ in }) throws -> SluiceProcess {
        try startSluice { config in
            config.auth = ["require_api_key: \(requireKey)"]
            config.rateLimit = ["enabled: true", "key: \(key)", "store: memory"] + limits
            configure(&config)
        }
    }

    /// `Authorization: Bearer key` as a header list.
    func bearerKey(_ key: String) -> [(String, String)] { [("Authorization", "Bearer \(key)")] }

    /// The current Unix time in whole seconds (rounded down).
    func unixSeconds() -> Int { Int(Date().timeIntervalSince1970) }

    /// Parses `"name";r=R;t=T` (draft-ietf-httpapi-ratelimit-headers-10 `RateLimit`).
    static func rateLimitField(_ value: String?) -> (name: String, remaining: Int, seconds: Int)? {
        guard let value else { return nil }
        let parts = value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 3, parts[0].hasPrefix("\""), parts[0].hasSuffix("\""), parts[0].count >= 2,
              parts[1].hasPrefix("r="), parts[2].hasPrefix("t="),
              let remaining = Int(parts[1].dropFirst(2)), let seconds = Int(parts[2].dropFirst(2)) else { return nil }
        return (String(parts[0].dropFirst().dropLast()), remaining, seconds)
    }

    /// Whether `text` is RFC 3339 UTC such as `2026-11-21T10:30:00Z` (fractional seconds allowed).
    static func isRFC3339UTCTimestamp(_ text: String?) -> Bool {
        guard let text else { return false }
        return text.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"#, options: .regularExpression) != nil
    }
}
