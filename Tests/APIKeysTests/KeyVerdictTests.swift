import APIKeys
import XCTest

/// `KeyTable.verdict`: SPEC §10 checks 1 and 3–7, in order.
final class KeyVerdictTests: XCTestCase {
    private let now: Int64 = 1_798_761_600  // 2027-01-01T00:00:00Z

    private func keys() throws -> KeyTable {
        try table([
            #"{"id": "acme", "sha256": "\#(sha("keva_live_good"))", "plan": "pro", "scopes": ["tickets:write"]}"#,
            #"{"id": "acme", "sha256": "\#(sha("keva_live_old"))", "plan": "pro", "scopes": ["tickets:write"], "revoked": true}"#,
            #"{"id": "acme", "sha256": "\#(sha("keva_live_expiring"))", "plan": "pro", "scopes": ["tickets:write"], "expires": "2027-01-01T00:00:00Z"}"#,
            #"{"id": "reader", "sha256": "\#(sha("keva_live_reader"))"}"#,
            #"{"id": "noprefix", "sha256": "\#(sha("plainkey"))"}"#,
            #"{"id": "gone", "sha256": "\#(sha("keva_live_both"))", "revoked": true, "expires": "2020-01-01T00:00:00Z"}"#,
        ])
    }

    private let rules = AccessRules(keyPrefix: "keva_live_", scopeRules: [
        ScopeRule(methods: ["POST", "PUT", "PATCH", "DELETE"], path: "/v1/tickets", scope: "tickets:write"),
    ])

    private func verdict(_ token: String, _ method: String = "GET", _ target: String = "/v1/users", at time: Int64? = nil,
                         rules: AccessRules? = nil) throws -> KeyVerdict {
        try keys().verdict(token: token, method: method, target: target, now: time ?? now, rules: rules ?? self.rules)
    }

    private func consumerID(_ verdict: KeyVerdict) throws -> String? {
        guard case .accepted(let consumer) = verdict else { return nil }
        return try keys().consumer(consumer).id
    }

    func testEachOutcome() throws {
        XCTAssertEqual(try verdict(""), .missing)
        XCTAssertEqual(try verdict("plainkey"), .invalidFormat)
        XCTAssertEqual(try verdict("keva_live_nope"), .unknown)
        XCTAssertEqual(try verdict("keva_live_old"), .revoked)
        XCTAssertEqual(try verdict("keva_live_expiring"), .expired)
        XCTAssertEqual(try verdict("keva_live_reader", "POST", "/v1/tickets"), .insufficientScope(required: "tickets:write"))
        XCTAssertEqual(try consumerID(verdict("keva_live_good", "POST", "/v1/tickets")), "acme")
        XCTAssertEqual(try consumerID(verdict("keva_live_reader")), "reader")
    }

    func testTheChecksRunInTheirOrder() throws {
        // Revoked and expired: revoked is reported. A revoked key of a scope-less consumer: revoked, not scope.
        XCTAssertEqual(try verdict("keva_live_both", "POST", "/v1/tickets"), .revoked)
        // A key in the file but without the prefix: the format check comes first, the key is not looked up.
        XCTAssertEqual(try verdict("plainkey", "POST", "/v1/tickets"), .invalidFormat)
        // The prefix alone is no key.
        XCTAssertEqual(try verdict("keva_live_"), .invalidFormat)
        XCTAssertEqual(try consumerID(verdict("plainkey", rules: AccessRules())), "noprefix", "no prefix configured")
    }

    func testAKeyExpiresAtTheSecondItsExpiresNames() throws {
        XCTAssertEqual(try consumerID(verdict("keva_live_expiring", at: now - 1)), "acme")
        XCTAssertEqual(try verdict("keva_live_expiring", at: now), .expired)
        XCTAssertEqual(try verdict("keva_live_expiring", at: now + 86_400), .expired)
        XCTAssertEqual(try consumerID(verdict("keva_live_good", at: Int64.max - 1)), "acme", "no expires: never")
    }

    func testKeysOfOneConsumerShareItsRef() throws {
        let keys = try keys()
        let good = keys.verdict(token: "keva_live_good", method: "GET", target: "/", now: now - 10, rules: rules)
        let expiring = keys.verdict(token: "keva_live_expiring", method: "GET", target: "/", now: now - 10, rules: rules)
        XCTAssertEqual(good, expiring)
        XCTAssertEqual(good, keys.consumer(named: "acme").map(KeyVerdict.accepted))
    }

    func testGuessesAreTheOutcomesThatTakeAFailedAuthToken() {
        XCTAssertEqual([KeyVerdict.missing, .invalidFormat, .unknown, .revoked, .expired, .insufficientScope(required: "x")].map(\.isGuess),
                       [false, true, true, true, true, false])
    }

    func testTheTokenIsComparedByItsWholeDigest() throws {
        XCTAssertEqual(try verdict("keva_live_goo"), .unknown)
        XCTAssertEqual(try verdict("keva_live_goodx"), .unknown)
        XCTAssertEqual(try verdict("Keva_live_good"), .invalidFormat)
    }
}
