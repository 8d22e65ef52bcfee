import Foundation
import XCTest

/// Upstream interim (1xx) responses (SPEC §4; issue 10 item 6): `100 Continue` is consumed, `103 Early Hints`
/// forwarded, any other 1xx is an invalid response (502), and however many tries, a request's tries end within
/// the overall deadline of 2 × (connect_timeout + response_timeout).
final class InterimResponseTests: IntegrationTestCase {
    private var scripted: ScriptedUpstream!

    override func setUpWithError() throws {
        try super.setUpWithError()
        let json = ScriptedUpstream.Canned(200, [("Content-Type", "application/json")], Array(#"{"ok":true}"#.utf8))
        func raw(_ text: String, then final: ScriptedUpstream.Canned? = nil) -> ScriptedUpstream.Canned {
            var canned = ScriptedUpstream.Canned(200, [], [])
            canned.bytes = Array(text.utf8) + (final?.bytes ?? [])
            return canned
        }
        scripted = try ScriptedUpstream(responses: [
            "/continue": raw("HTTP/1.1 100 Continue\r\n\r\n", then: json),
            "/early-hints": raw("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n", then: json),
            "/switching": raw("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
            "/status-199": raw("HTTP/1.1 199 Unheard Of\r\n\r\n"),
            "/continue-then-silence": raw("HTTP/1.1 100 Continue\r\n\r\n"),
        ])
    }

    override func tearDown() {
        scripted?.stop()
        super.tearDown()
    }

    private func startSluiceBeforeScripted(_ upstream: [String] = []) throws {
        try startSluice {
            $0.targets = [self.scripted.address]
            $0.upstream = upstream
        }
    }

    func testContinueIsConsumedAndTheFinalResponseRelayed() throws {
        try startSluiceBeforeScripted()
        let response = try send(try connectToSluice(), "GET", "/continue")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, #"{"ok":true}"#)
    }

    func testEarlyHintsAreForwardedBeforeTheFinalResponse() throws {
        try startSluiceBeforeScripted()
        let client = try connectToSluice()
        client.send(RawHTTPClient.requestBytes("GET", "/early-hints", headers: [("Connection", "close")]))
        var bytes: [UInt8] = []
        while true {
            let piece = try client.readSome(maximum: 65_536)
            if piece.isEmpty { break }
            bytes += piece
        }
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 103 "), "no 103 first: \(text.prefix(200))")
        guard let hints = text.range(of: "Link: </style.css>; rel=preload; as=style\r\n"),
              let final = text.range(of: "HTTP/1.1 200 ") else {
            return XCTFail("the hints or the final response are missing: \(text)")
        }
        XCTAssertLessThan(hints.lowerBound, final.lowerBound, text)
        XCTAssertTrue(text.hasSuffix(#"{"ok":true}"#), text)
    }

    func testUnaskedSwitchingProtocolsIs502AtOnce() throws {
        try startSluiceBeforeScripted(["response_timeout: 10s", "retries: 0"])
        let started = Date()
        let response = try send(try connectToSluice(), "GET", "/switching")
        assertEnvelope(response, status: 502, code: "UPSTREAM_UNAVAILABLE")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "waited for a final response after a bare 101")
    }

    func testUnknownInterimStatusIs502AtOnce() throws {
        try startSluiceBeforeScripted(["response_timeout: 10s", "retries: 0"])
        let started = Date()
        assertEnvelope(try send(try connectToSluice(), "GET", "/status-199"), status: 502, code: "UPSTREAM_UNAVAILABLE")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "waited for a final response after a bare 199")
    }

    func testContinueThenSilenceWithRetriesEndsWithinTheOverallDeadline() throws {
        // Overall deadline 2 × (100 ms + 3 s) = 6.2 s. Each try alone may take 3 s: without the overall deadline
        // a third try starts at ~6 s and the answer comes at ~9 s.
        try startSluiceBeforeScripted(["connect_timeout: 100ms", "response_timeout: 3s", "retries: 3", "retry_backoff: 10ms"])
        let started = Date()
        let response = try send(try connectToSluice(timeout: 30), "GET", "/continue-then-silence")
        let elapsed = Date().timeIntervalSince(started)
        assertEnvelope(response, status: 504, code: "UPSTREAM_TIMEOUT")
        XCTAssertGreaterThanOrEqual(elapsed, 5.5, "the tries ended before the deadline")
        XCTAssertLessThan(elapsed, 6.2 + 1.5, "the tries ran past the overall deadline of 6.2 s")
    }
}
