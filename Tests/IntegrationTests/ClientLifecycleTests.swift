import Foundation
import XCTest

/// Idle and stalled clients (`client_timeout`) and graceful shutdown (SIGTERM drains in-flight requests).
final class ClientLifecycleTests: IntegrationTestCase {
    func testIdleKeepAliveConnectionIsClosedAfterClientTimeoutWithoutA408() throws {
        try startSluice { $0.server = ["client_timeout: 1s"] }
        let client = try connectToSluice()
        XCTAssertEqual(try send(client, "GET", "/v1/then-idle").status, 200)
        let idleSince = Date()
        client.setReadTimeout(5)
        let after = try client.readSome(maximum: 4096)
        let elapsed = Date().timeIntervalSince(idleSince)
        XCTAssertEqual(String(decoding: after, as: UTF8.self), "", "no request had started, so nothing should be sent")
        XCTAssertGreaterThanOrEqual(elapsed, 0.7)
        XCTAssertLessThan(elapsed, 4)
    }

    func testStalledRequestBodyGets408AndClose() throws {
        try startSluice { $0.server = ["client_timeout: 1s"] }
        let client = try connectToSluice()
        let started = Date()
        client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        let response = try client.readResponse()
        let elapsed = Date().timeIntervalSince(started)
        assertEnvelope(response, status: 408, code: "REQUEST_TIMEOUT")
        XCTAssertGreaterThanOrEqual(elapsed, 0.7)
        XCTAssertLessThan(elapsed, 4)
        XCTAssertTrue(client.waitForClose(timeout: 3), "connection left open after 408")
        XCTAssertEqual(try upstream.hits(), 0, "the incomplete request was answered by the upstream")
    }

    func testSigtermLetsAnInFlightRequestFinishThenExitsZero() throws {
        let sluice = try startSluice()
        let client = try connectToSluice()
        client.send(RawHTTPClient.requestBytes("GET", "/slow?ms=1500"))
        // Real time: give sluice a moment to forward the request before the signal arrives.
        usleep(300_000)
        sluice.signal(SIGTERM)
        let response = try client.readResponse()
        XCTAssertEqual(response?.status, 200, "in-flight request cut off by SIGTERM")
        XCTAssertEqual(response?.jsonObject?["slow_ms"] as? Int, 1500)
        XCTAssertEqual(try sluice.waitForExit(timeout: 15), 0, sluice.output)
    }
}
