import Foundation
import XCTest

/// SPEC §10 through the real binaries: the checks of a keys file and their order, the failed-auth throttle, plans,
/// rotation, scopes and the consumer headers upstream.
final class APIKeyChecksIntegrationTests: IntegrationTestCase {
    private var keys = KeysFile()

    // Keys of the file below (raw keys live only in the test: the file holds their SHA-256).
    private let writer = "keva_test_Writer000000000000000001"
    private let writerRotated = "keva_test_Writer000000000000000002"
    private let writerOld = "keva_test_WriterOld00000000000000"
    private let reader = "keva_test_Reader000000000000000001"
    private let expired = "keva_test_Expired00000000000000001"
    private let expiredRevoked = "keva_test_ExpiredRevoked000000001"
    private let unprefixed = "Unprefixed00000000000000000000001"
    private let pro = "keva_test_Pro0000000000000000000001"

    override func tearDown() {
        keys.remove()
        super.tearDown()
    }

    private func writeKeys() throws {
        try keys.write([
            "# test keys",
            KeysFile.line(id: "writer", key: writer, scopes: ["tickets:write"]),
            KeysFile.line(id: "writer", key: writerRotated, scopes: ["tickets:write"]),
            KeysFile.line(id: "writer", key: writerOld, scopes: ["tickets:write"], revoked: true),
            "",
            KeysFile.line(id: "reader", key: reader),
            KeysFile.line(id: "expired", key: expired, expires: "2025-01-01T00:00:00Z"),
            KeysFile.line(id: "gone", key: expiredRevoked, expires: "2025-01-01T00:00:00Z", revoked: true),
            KeysFile.line(id: "unprefixed", key: unprefixed),
            KeysFile.line(id: "acme", key: pro, plan: "pro"),
        ])
    }

    private let scopeRules = [
        "key_prefix: keva_test_",
        "scopes:",
        "  - { methods: [POST, PUT], path: /v1/tickets, scope: \"tickets:write\" }",
    ]
    private let plans = [
        "limits:", "  - { name: hour, requests: 100, per: 1h }", "  - { name: minute, requests: 10, per: 1m }",
        "plans:", "  pro:", "    - { name: day, requests: 5000, per: 1d }", "    - { name: minute, requests: 3, per: 1m }",
    ]

    private func start(failedAuth: String = "failed_auth_limit: { requests: 100, per: 1m }") throws {
        try writeKeys()
        try startKeyedSluice(keys, auth: scopeRules + [failedAuth], rateLimit: plans)
    }

    func testEachRefusalHasItsCodeAndMessageAndIsNeverForwarded() throws {
        try start()
        let hitsBefore = try upstream.hits()
        let cases: [(key: String?, method: String, path: String, status: Int, code: String, message: String)] = [
            (nil, "GET", "/v1/users", 401, "MISSING_AUTHORIZATION", "Missing Authorization"),
            ("keva_live_Writer000000000000000001", "GET", "/v1/users", 401, "INVALID_API_KEY", "Invalid API key format"),
            ("keva_test_", "GET", "/v1/users", 401, "INVALID_API_KEY", "Invalid API key format"),
            ("keva_test_NotInTheFile0000000000", "GET", "/v1/users", 401, "INVALID_API_KEY", "Invalid API key"),
            (writerOld, "GET", "/v1/users", 401, "API_KEY_REVOKED", "API key has been revoked"),
            (expired, "GET", "/v1/users", 401, "API_KEY_EXPIRED", "API key has expired"),
            (reader, "POST", "/v1/tickets", 403, "INSUFFICIENT_SCOPE", "Insufficient scope"),
        ]
        for testCase in cases {
            let response = try sendFresh(testCase.method, testCase.path, key: testCase.key)
            assertEnvelope(response, status: testCase.status, code: testCase.code)
            XCTAssertEqual(errorMessage(response).map { $0.hasPrefix(testCase.message) }, true, "\(testCase): \(response.text)")
        }
        XCTAssertEqual(try upstream.hits(), hitsBefore, "a refused request was forwarded")
        let forbidden = try sendFresh("POST", "/v1/tickets", key: reader)
        XCTAssertEqual(errorDetails(forbidden)?["required"] as? String, "tickets:write", forbidden.text)
    }

    func testChecksRunInTheSpecifiedOrder() throws {
        try start()
        // A listed key without the prefix: the format check comes before the lookup.
        XCTAssertEqual(errorMessage(try sendFresh("GET", "/v1/users", key: unprefixed)), "Invalid API key format")
        // Revoked and expired: revoked is checked first.
        XCTAssertEqual(try sendFresh("GET", "/v1/users", key: expiredRevoked).errorCode, "API_KEY_REVOKED")
        // Expired on a scoped route it lacks: expiry before scope.
        XCTAssertEqual(try sendFresh("POST", "/v1/tickets", key: expired).errorCode, "API_KEY_EXPIRED")
        // A forbidden request takes no token from its consumer's buckets: the scope comes before the limit.
        let first = try sendFresh("GET", "/v1/users", key: reader)
        XCTAssertEqual(first.header("X-RateLimit-Remaining-Minute"), "9", first.text)
        for _ in 0..<3 { XCTAssertEqual(try sendFresh("PUT", "/v1/tickets/1", key: reader).status, 403) }
        XCTAssertEqual(try sendFresh("GET", "/v1/users", key: reader).header("X-RateLimit-Remaining-Minute"), "8",
                       "a 403 took a token from the consumer's buckets")
        // A revoked key of a consumer takes nothing from that consumer's buckets either.
        XCTAssertEqual(try sendFresh("GET", "/v1/users", key: writer).header("X-RateLimit-Remaining-Minute"), "9")
        for _ in 0..<3 { XCTAssertEqual(try sendFresh("GET", "/v1/users", key: writerOld).status, 401) }
        XCTAssertEqual(try sendFresh("GET", "/v1/users", key: writer).header("X-RateLimit-Remaining-Minute"), "8")
    }

    func testGuessesAreThrottledByAddressAndThenEvenAValidKeyIsNotLookedUp() throws {
        try start(failedAuth: "failed_auth_limit: { requests: 4, per: 1m }")
        let hitsBefore = try upstream.hits()
        // One of each guess, then invented keys: 401s until the address's four tokens are used, then 429s.
        let guesses = ["wrong-prefix", writerOld, expired] + (1...7).map { "keva_test_Invented\($0)" }
        var statuses: [Int] = []
        for guess in guesses {
            let response = try sendFresh("GET", "/v1/users", key: guess)
            statuses.append(response.status)
            if response.status == 429 {
                assertEnvelope(response, status: 429, code: "RATE_LIMIT_EXCEEDED")
                let retryAfter = Int(response.header("Retry-After") ?? "") ?? 0
                XCTAssertTrue((1...60).contains(retryAfter), "Retry-After \(response.header("Retry-After") ?? "none")")
                XCTAssertEqual(errorDetails(response)?["limit"] as? Int, 4, response.text)
                XCTAssertNil(response.header("X-RateLimit-Limit"), "the throttle is not a key's plan")
            }
        }
        XCTAssertEqual(statuses, [401, 401, 401, 401, 429, 429, 429, 429, 429, 429])
        // Throttled: a valid key from this address is refused too (the key is not looked up) …
        let valid = try sendFresh("GET", "/v1/users", key: writer)
        assertEnvelope(valid, status: 429, code: "RATE_LIMIT_EXCEEDED")
        // … while a request without a key is still told that it lacks one (check 1 comes first).
        assertEnvelope(try sendFresh("GET", "/v1/users", key: nil), status: 401, code: "MISSING_AUTHORIZATION")
        XCTAssertEqual(try upstream.hits(), hitsBefore, "the upstream saw a guessed or throttled request")
    }

    func testAnAttackerInventingKeysGets401sThen429sAndTheUpstreamSeesNone() throws {
        try start(failedAuth: "failed_auth_limit: { requests: 20, per: 1m }")
        let hitsBefore = try upstream.hits()
        let client = try connectToSluice()
        var counts: [Int: Int] = [:]
        var firstThrottled: Int?
        for index in 0..<200 {
            let key = "keva_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
            let response = try send(client, "GET", "/v1/users", headers: bearer(key))
            counts[response.status, default: 0] += 1
            if response.status == 429 && firstThrottled == nil { firstThrottled = index }
        }
        XCTAssertEqual(counts, [401: 20, 429: 180], "invented keys: \(counts)")
        XCTAssertEqual(firstThrottled, 20)
        XCTAssertEqual(try upstream.hits(), hitsBefore, "the upstream saw an invented key")
    }

    func testAPlanDescribesItsConsumersHeadersAndRefusals() throws {
        try start()
        let client = try connectToSluice()
        let (response, echoed) = try echo(client, headers: bearer(pro) + [("X-Consumer-Id", "forged"), ("X-Consumer-Plan", "free")])
        XCTAssertEqual(response.header("X-RateLimit-Limit"), "5000", "the plan's first limit is the standard one")
        XCTAssertEqual(response.header("X-RateLimit-Limit-Day"), "5000")
        XCTAssertEqual(response.header("X-RateLimit-Limit-Minute"), "3")
        XCTAssertEqual(response.header("X-RateLimit-Remaining-Minute"), "2")
        XCTAssertNil(response.header("X-RateLimit-Limit-Hour"), "rate_limit.limits leaked into a plan's headers")
        XCTAssertEqual(response.header("RateLimit-Policy"), #""day";q=5000;w=86400, "minute";q=3;w=60"#)
        XCTAssertEqual(echoed.headers(named: "X-Consumer-Id"), ["acme"], "client-sent X-Consumer-Id must be replaced")
        XCTAssertEqual(echoed.headers(named: "X-Consumer-Plan"), ["pro"])
        XCTAssertFalse(echoed.headers.contains { $0.value == "forged" || $0.value == "free" })

        XCTAssertEqual(try send(client, "GET", "/v1/users", headers: bearer(pro)).status, 200)
        XCTAssertEqual(try send(client, "GET", "/v1/users", headers: bearer(pro)).status, 200)
        let refused = try send(client, "GET", "/v1/users", headers: bearer(pro))
        assertEnvelope(refused, status: 429, code: "RATE_LIMIT_EXCEEDED")
        XCTAssertEqual(errorDetails(refused)?["limit"] as? Int, 3, refused.text)
        XCTAssertEqual(errorDetails(refused)?["window"] as? String, "1 minute", refused.text)
        // /stats names the refused consumer by its id.
        let stats = try XCTUnwrap(sluice).waitForStats { ($0.jsonValue(at: "rate_limit", "top_limited") as? [Any])?.isEmpty == false }
        let top = stats.jsonValue(at: "rate_limit", "top_limited") as? [[String: Any]]
        XCTAssertEqual(top?.first?["identity"] as? String, "acme", "\(String(describing: top))")

        // A consumer without a plan has rate_limit.limits, and no X-Consumer-Plan.
        let (standard, plain) = try echo(client, headers: bearer(reader))
        XCTAssertEqual(standard.header("X-RateLimit-Limit"), "100")
        XCTAssertEqual(standard.header("X-RateLimit-Remaining-Minute"), "9")
        XCTAssertEqual(plain.headers(named: "X-Consumer-Id"), ["reader"])
        XCTAssertEqual(plain.headers(named: "X-Consumer-Plan"), [])
    }

    func testKeysOfOneConsumerShareItsBuckets() throws {
        try start()
        let client = try connectToSluice()
        var remaining: [String?] = []
        for key in [writer, writerRotated, writer, writerRotated] {
            let response = try send(client, "GET", "/v1/users", headers: bearer(key))
            XCTAssertEqual(response.status, 200, response.text)
            remaining.append(response.header("X-RateLimit-Remaining-Minute"))
        }
        XCTAssertEqual(remaining, ["9", "8", "7", "6"], "rotated keys of one id must share one set of buckets")
    }

    func testScopeRulesMatchPrefixesAtSlashesAndMethodsAndIgnoreTheQuery() throws {
        try start()
        let cases: [(method: String, path: String, key: String, status: Int)] = [
            ("POST", "/v1/tickets", reader, 403),
            ("POST", "/v1/tickets/42", reader, 403),
            ("PUT", "/v1/tickets/", reader, 403),
            ("POST", "/v1/tickets?draft=1", reader, 403),
            ("POST", "/v1/%74ickets", reader, 403),
            ("POST", "/v1/x/../tickets", reader, 403),
            ("POST", "/v1/ticketsearch", reader, 200),
            ("POST", "/v1/other?next=/v1/tickets", reader, 200),
            ("GET", "/v1/tickets", reader, 200),
            ("DELETE", "/v1/tickets/42", reader, 200),
            ("POST", "/v1/tickets", writer, 200),
            ("PUT", "/v1/tickets/42", writerRotated, 200),
        ]
        for testCase in cases {
            let response = try sendFresh(testCase.method, testCase.path, key: testCase.key)
            XCTAssertEqual(response.status, testCase.status, "\(testCase): \(response.text.prefix(200))")
        }
    }
}
