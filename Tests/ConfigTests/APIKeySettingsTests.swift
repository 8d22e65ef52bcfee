import Config
import XCTest

/// `auth.keys_file`, `key_prefix`, `keys_reload`, `failed_auth_limit`, `scopes` and `rate_limit.plans` (SPEC §3, §10).
final class APIKeySettingsTests: XCTestCase {
    private let targets = "upstream: { targets: [\"127.0.0.1:3000\"] }\n"

    func testDefaultsAcceptAnyKeyWithoutPlans() throws {
        let config = try SluiceConfig.parse(yaml: targets, file: "sluice.yaml")
        XCTAssertEqual(config.auth.keysFile, "")
        XCTAssertEqual(config.auth.keyPrefix, "")
        XCTAssertEqual(config.auth.keysReload, .seconds(5))
        XCTAssertEqual(config.auth.failedAuthLimit.requests, 20)
        XCTAssertEqual(config.auth.failedAuthLimit.per, .seconds(60))
        XCTAssertEqual(config.auth.scopes, [])
        XCTAssertEqual(config.rateLimit.plans, [:])
    }

    func testEverySettingIsRead() throws {
        let yaml = targets + """
        auth:
          keys_file: /etc/sluice/keys.jsonl
          key_prefix: keva_live_
          keys_reload: 250ms
          failed_auth_limit: { requests: 5, per: 10m }
          scopes:
            - { methods: [POST, PUT], path: /v1/tickets, scope: "tickets:write" }
            - { path: /admin/, scope: admin }
        rate_limit:
          plans:
            pro:
              - { name: hour, requests: 10000, per: 1h }
              - { name: minute, requests: 600, per: 1m }
            free: [{ name: day, requests: 50, per: 1d }]
        """
        let config = try SluiceConfig.parse(yaml: yaml, file: "sluice.yaml")
        XCTAssertEqual(config.auth.keysFile, "/etc/sluice/keys.jsonl")
        XCTAssertEqual(config.auth.keyPrefix, "keva_live_")
        XCTAssertEqual(config.auth.keysReload, .milliseconds(250))
        XCTAssertEqual(config.auth.failedAuthLimit.requests, 5)
        XCTAssertEqual(config.auth.failedAuthLimit.per, .seconds(600))
        XCTAssertEqual(config.auth.scopes, [
            ScopeRuleConfig(methods: ["POST", "PUT"], path: "/v1/tickets", scope: "tickets:write"),
            ScopeRuleConfig(methods: nil, path: "/admin/", scope: "admin"),
        ])
        XCTAssertEqual(config.rateLimit.plans["pro"]?.map(\.name), ["hour", "minute"])
        XCTAssertEqual(config.rateLimit.plans["pro"]?.map(\.requests), [10000, 600])
        XCTAssertEqual(config.rateLimit.plans["free"]?.first?.per, .seconds(86_400))
    }

    func testBadValuesAreReportedWithTheirLines() {
        let yaml = targets + """
        auth:
          keys_file: /k.jsonl
          key_prefix: "keva live"
          keys_reload: 1ms
          failed_auth_limit: { requests: 0, per: 1m, burst: 3 }
          scopes:
            - { methods: [post], path: /v1/tickets, scope: "tickets:write" }
            - { path: v1/x, scope: "" }
            - { methods: [], path: /v1/y, scope: s }
        rate_limit:
          plans:
            "bad plan": [{ name: hour, requests: 1, per: 1h }]
            empty: []
            pro:
              - { name: hour, requests: 1, per: 1h }
              - { name: hour, requests: 2, per: 1h }
        """
        let found = problems(in: yaml)
        XCTAssertEqual(found.map(\.keyPath), [
            "auth.key_prefix", "auth.keys_reload", "auth.failed_auth_limit.burst", "auth.failed_auth_limit.requests",
            "auth.scopes[0].methods[0]", "auth.scopes[1].path", "auth.scopes[1].scope", "auth.scopes[2].methods",
            "rate_limit.plans.bad plan", "rate_limit.plans.empty", "rate_limit.plans.pro[1].name",
        ], "\(found)")
        XCTAssertEqual(found.map(\.line), [4, 5, 6, 6, 8, 9, 9, 10, 13, 14, 17], "\(found)")
    }

    func testAPlanIsValidatedAsLimitsAreAndSoIsTheFailedAuthLimit() {
        let nine = (1...9).map { "      - { name: l\($0), requests: 1, per: 1h }" }.joined(separator: "\n")
        let yaml = targets + """
        auth:
          failed_auth_limit: { requests: 1000000000, per: 366d }
        rate_limit:
          plans:
            wide:
        \(nine)
            huge: [{ name: day, requests: 1000000000, per: 300d }]
        """
        let found = problems(in: yaml)
        XCTAssertEqual(found.map(\.keyPath), ["auth.failed_auth_limit", "rate_limit.plans.wide[8]", "rate_limit.plans.huge[0]"],
                       "\(found)")
        XCTAssertTrue(found[1].message.contains("8"), found[1].message)
    }

    func testPrefixAndScopesNeedAKeysFile() {
        let found = problems(in: targets + "auth:\n  key_prefix: keva_\n  scopes: [{ path: /v1, scope: s }]\n")
        XCTAssertEqual(found.map(\.keyPath), ["auth.key_prefix", "auth.scopes"])
        XCTAssertTrue(found.allSatisfy { $0.message.contains("without auth.keys_file") }, "\(found)")
    }
}
