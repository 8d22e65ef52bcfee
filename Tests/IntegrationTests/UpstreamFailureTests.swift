import Foundation
import XCTest

/// What the client gets when the upstream is unreachable, too slow, or breaks (issue 2 item 3).
final class UpstreamFailureTests: IntegrationTestCase {
    func testRefusedConnectionGets502UpstreamUnavailable() throws {
        let deadPort = upstream.port
        upstream.stop()  // nothing listens on its port any more
        try startSluice { $0.targets = ["127.0.0.1:\(deadPort)"] }
        let started = Date()
        let response = try connectToSluice().request("GET", "/v1/nobody-home")
        assertEnvelope(response, status: 502, code: "UPSTREAM_UNAVAILABLE")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testUpstreamSlowerThanResponseTimeoutGets504UpstreamTimeout() throws {
        try startSluice { $0.upstream = ["response_timeout: 1s", "retries: 0"] }
        let started = Date()
        let response = try connectToSluice().request("GET", "/slow?ms=6000")
        let elapsed = Date().timeIntervalSince(started)
        assertEnvelope(response, status: 504, code: "UPSTREAM_TIMEOUT")
        XCTAssertGreaterThanOrEqual(elapsed, 0.8)
        XCTAssertLessThan(elapsed, 4)
    }

    /// The upstream answers `Connection: close` but leaves its socket open: a reuse would put the next request on
    /// an answered connection, where the upstream counts it (the stale-connection retry cannot hide it, as it
    /// can when the socket really closes).
    func testUpstreamThatClosesAfterEachResponseIsNotReused() throws {
        let closing = ScriptedUpstream.Canned(200, [("Connection", "close"), ("Content-Type", "application/json")],
                                              Array(#"{"ok":true}"#.utf8))
        let scripted = try ScriptedUpstream(responses: ["/v1/closing": closing])
        defer { scripted.stop() }
        try startSluice { $0.targets = [scripted.address] }
        let client = try connectToSluice()
        for i in 0..<5 {
            XCTAssertEqual(try send(client, "GET", "/v1/closing").status, 200, "request \(i)")
        }
        XCTAssertEqual(scripted.connections, 5, "one upstream connection per request")
        XCTAssertEqual(scripted.mostRequestsOnOneConnection, 1, "a connection answered with Connection: close was reused")
    }

    func testUpstreamBreakingMidBodyNeverLooksLikeACompleteResponse() throws {
        try startSluice()
        let client = try connectToSluice()
        client.send(RawHTTPClient.requestBytes("GET", "/fault/close-mid-body"))
        do {
            if let response = try client.readResponse() {
                XCTAssertNotEqual(response.status, 200, "a broken 1000-byte body arrived as a complete 200 (\(response.body.count) bytes)")
                XCTAssertGreaterThanOrEqual(response.status, 500)
            }
        } catch RawHTTPClient.Failure.truncated {
            // Expected when the head was already streamed: the client sees the message cut short.
        }
        XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/afterwards").status, 200)
    }
}
