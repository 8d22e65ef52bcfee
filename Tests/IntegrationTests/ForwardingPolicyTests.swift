import Foundation
import XCTest

/// SPEC §4's request-header policy and `Date`, through the real sluice to an upstream that echoes what it
/// received: underscore look-alikes, trusted and untrusted forwarding headers, consumer headers.
final class ForwardingPolicyTests: IntegrationTestCase {
    private let lookAlikes = [
        ("Transfer_Encoding", "chunked"), ("Content_Length", "7"), ("X_Forwarded_For", "6.6.6.6"), ("X_Api_Key", "k"),
    ]

    /// Client-sent forwarding headers, as a spoofing client or a proxy in front would send them.
    private let forwardingHeaders = [
        ("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-Host", "api.example.test"), ("X-Real-IP", "203.0.113.9"),
        ("Forwarded", "for=203.0.113.9;proto=https"), ("X-Forwarded-Proto", "https"),
    ]

    func testUnderscoreLookAlikesNeverReachTheUpstream() throws {
        try startSluice()
        let (_, echoed) = try echo(try connectToSluice(), "POST", headers: lookAlikes, body: Array("abc".utf8))
        for (name, _) in lookAlikes {
            XCTAssertFalse(echoed.has(name), "\(name) reached the upstream: \(echoed.headers)")
        }
        XCTAssertFalse(echoed.headers.contains { $0.name.contains("_") }, "\(echoed.headers)")
        XCTAssertEqual(echoed.headers(named: "Content-Length"), ["3"])
        XCTAssertEqual(echoed.headers(named: "X-Forwarded-For"), ["127.0.0.1"])
        XCTAssertEqual(echoed.bodyLength, 3)
    }

    func testUnderscoredNamesReachTheUpstreamWhenAllowed() throws {
        try startSluice { $0.server = ["underscores_in_headers: true"] }
        let (_, echoed) = try echo(try connectToSluice(), "POST", headers: lookAlikes, body: Array("abc".utf8))
        for (name, value) in lookAlikes {
            XCTAssertEqual(echoed.headers(named: name), [value], "\(echoed.headers)")
        }
        // Framing stays sluice's own.
        XCTAssertEqual(echoed.headers(named: "Content-Length"), ["3"])
        XCTAssertFalse(echoed.has("Transfer-Encoding"))
    }

    func testATrustedProxySpeaksForItsClient() throws {
        try startSluice { $0.server = [#"trusted_proxies: ["127.0.0.1"]"#] }
        let (_, echoed) = try echo(try connectToSluice(), headers: forwardingHeaders)
        XCTAssertEqual(echoed.headers(named: "X-Forwarded-For"), ["203.0.113.9, 127.0.0.1"])
        XCTAssertEqual(echoed.headers(named: "X-Forwarded-Host"), ["api.example.test"])
        XCTAssertEqual(echoed.headers(named: "X-Real-IP"), ["203.0.113.9"])
        XCTAssertEqual(echoed.headers(named: "Forwarded"), ["for=203.0.113.9;proto=https"])
        XCTAssertEqual(echoed.headers(named: "X-Forwarded-Proto"), ["http"], "X-Forwarded-Proto is always sluice's")
    }

    func testAClientOutsideTheTrustedRangesCannotSpeakForAnother() throws {
        try startSluice { $0.server = [#"trusted_proxies: ["10.0.0.0/8", "::1"]"#] }
        let (_, echoed) = try echo(try connectToSluice(), headers: forwardingHeaders)
        XCTAssertEqual(echoed.headers(named: "X-Forwarded-For"), ["127.0.0.1"])
        for name in ["X-Forwarded-Host", "X-Real-IP", "Forwarded"] {
            XCTAssertFalse(echoed.has(name), "\(name) reached the upstream: \(echoed.headers)")
        }
        XCTAssertEqual(echoed.headers(named: "X-Forwarded-Proto"), ["http"])
    }

    func testClientConsumerHeadersAreAlwaysRemoved() throws {
        try startSluice { $0.server = [#"trusted_proxies: ["127.0.0.1"]"#, "underscores_in_headers: true"] }
        let (_, echoed) = try echo(try connectToSluice(), headers: [
            ("X-Consumer-Id", "admin"), ("x-consumer-plan", "unlimited"), ("X-Consumer-Note", "kept"),
        ])
        XCTAssertFalse(echoed.has("X-Consumer-Id"), "\(echoed.headers)")
        XCTAssertFalse(echoed.has("X-Consumer-Plan"), "\(echoed.headers)")
        XCTAssertEqual(echoed.headers(named: "X-Consumer-Note"), ["kept"])
    }

    func testResponsesWithoutDateGetOne() throws {
        try startSluice()
        let client = try connectToSluice()
        for target in ["/echo", "/bytes?n=100000&chunked=1", "/status/404"] {
            let response = try send(client, "GET", target)
            let dates = response.headers(named: "Date")
            XCTAssertEqual(dates.count, 1, "\(target): \(response.headers)")
            assertCurrentIMFFixdate(dates.first, target)
        }
    }

    func testAnUpstreamsOwnDateIsKept() throws {
        let date = "Sun, 06 Nov 1994 08:49:37 GMT"
        let scripted = try ScriptedUpstream(responses: [
            "/dated": .init(200, [("Content-Type", "application/json"), ("Date", date)], Array(#"{"ok":true}"#.utf8)),
            "/dated-error": .init(404, [("Content-Type", "application/json"), ("date", date)], Array(#"{"error":"Ticket not found"}"#.utf8)),
            "/undated": .init(200, [("Content-Type", "application/json")], Array(#"{"ok":true}"#.utf8)),
        ])
        defer { scripted.stop() }
        try startSluice { $0.targets = [scripted.address] }
        let client = try connectToSluice()
        for target in ["/dated", "/dated-error"] {
            let response = try send(client, "GET", target)
            XCTAssertEqual(response.headers(named: "Date"), [date], "\(target): \(response.headers)")
        }
        let undated = try send(client, "GET", "/undated")
        XCTAssertEqual(undated.headers(named: "Date").count, 1, "\(undated.headers)")
        assertCurrentIMFFixdate(undated.header("Date"), "/undated")
    }

    /// `value` is an IMF-fixdate (RFC 9110 §5.6.7) within a few minutes of now.
    private func assertCurrentIMFFixdate(_ value: String?, _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let value, let date = formatter.date(from: value), formatter.string(from: date) == value else {
            return XCTFail("\(context): Date \(value ?? "missing") is not an IMF-fixdate", file: file, line: line)
        }
        XCTAssertLessThan(abs(date.timeIntervalSinceNow), 300, "\(context): Date \(value)", file: file, line: line)
    }
}
