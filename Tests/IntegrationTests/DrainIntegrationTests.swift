import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// SPEC §2 graceful drain through the real binary: on SIGTERM/SIGINT sluice stops accepting, lets requests in flight
/// finish within `server.shutdown_grace`, closes idle keep-alive connections, answers `/readyz` with 503 meanwhile,
/// and exits 0.
final class DrainIntegrationTests: IntegrationTestCase {
    /// New clients get no service: the connection is refused, or closed (or reset) without a response.
    private func assertNewConnectionsAreRefused(_ sluice: SluiceProcess, file: StaticString = #filePath, line: UInt = #line) {
        for attempt in 0..<4 {
            let client: RawHTTPClient
            do {
                client = try RawHTTPClient(port: sluice.port, timeout: 5)
            } catch {
                continue  // refused: the expected outcome
            }
            do {
                if let response = try client.request("GET", "/v1/after-sigterm/\(attempt)") {
                    XCTFail("a connection made after SIGTERM was served: \(response.status) \(response.text.prefix(100))", file: file, line: line)
                }
            } catch RawHTTPClient.Failure.timeout {
                XCTFail("a connection made after SIGTERM was neither refused nor closed within 5 s", file: file, line: line)
            } catch {
                // Closed or reset before any byte of a response: refused.
            }
        }
    }

    func testSigtermLetsASlowRequestFinishRefusesNewConnectionsAndExitsZero() throws {
        let grace: TimeInterval = 6
        let sluice = try startSluice { $0.server = ["shutdown_grace: 6s"] }
        let idle = try connectToSluice()
        XCTAssertEqual(try send(idle, "GET", "/v1/before-drain").status, 200)
        let slow = try connectToSluice()
        slow.send(RawHTTPClient.requestBytes("GET", "/slow?ms=1500"))
        try waitForUpstreamHits(2)

        let signalled = Date()
        sluice.signal(SIGTERM)
        try sluice.waitForLogLines(containing: "draining", moreThan: 0)
        let ready = try sluice.adminRequest("/readyz")
        XCTAssertEqual(ready.status, 503, "/readyz while draining: \(ready.text)")
        assertNewConnectionsAreRefused(sluice)
        XCTAssertTrue(idle.waitForClose(timeout: 3), "an idle keep-alive connection was left open during the drain")
        idle.close()  // as a client does on FIN (sluice's lingering close waits up to 2 s for it)

        let response = try slow.readResponse()
        XCTAssertEqual(response?.status, 200, "the request in flight was cut off by SIGTERM")
        XCTAssertEqual(response?.jsonObject?["slow_ms"] as? Int, 1500)
        XCTAssertTrue(slow.waitForClose(timeout: 3), "the connection stayed open after its last response during the drain")
        slow.close()

        XCTAssertTrue(sluice.waitUntilEnded(timeout: grace + 5), "sluice still runs \(grace + 5) s after SIGTERM")
        let elapsed = Date().timeIntervalSince(signalled)
        let status = try sluice.waitForExit(timeout: 10)
        XCTAssertEqual(status, 0, sluice.output)
        print("drain: sluice ended \(elapsed) s after SIGTERM (slow request: 1.5 s)")
        XCTAssertLessThan(elapsed, grace + 2, "sluice outlived shutdown_grace")
        XCTAssertLessThan(elapsed, grace - 1.5, "sluice waited for the grace period although nothing was in flight after 1.5 s")
        XCTAssertEqual(try upstream.hits(), 2, "a request made after SIGTERM reached the upstream")
    }

    func testSigtermDuringAnUploadLetsTheUploadFinish() throws {
        let sluice = try startSluice { $0.server = ["shutdown_grace: 6s"] }
        let body = Self.binaryBytes(200_000)
        let client = try connectToSluice()
        let bytes = RawHTTPClient.requestBytes("POST", "/echo/upload", body: body)
        client.send(Array(bytes[..<(bytes.count - 100_000)]))
        // The head and half the body have left; once sluice has read them the request has begun.
        let figures = try sluice.waitForStats { $0.jsonInt(at: "requests", "in_flight") == 1 }
        XCTAssertEqual(figures.jsonInt(at: "requests", "in_flight"), 1, "the upload never showed as in flight: \(figures)")
        sluice.signal(SIGTERM)
        try sluice.waitForLogLines(containing: "draining", moreThan: 0)
        client.send(Array(bytes[(bytes.count - 100_000)...]))
        let response = try client.readResponse()
        XCTAssertEqual(response?.status, 200, "the upload was cut by SIGTERM")
        XCTAssertEqual(response.flatMap(EchoedRequest.init)?.bodyLength, body.count, "the upload arrived incomplete")
        client.close()
        XCTAssertTrue(sluice.waitUntilEnded(timeout: 11))
        XCTAssertEqual(try sluice.waitForExit(timeout: 10), 0)
    }

    func testRequestOutlastingShutdownGraceIsCutAndTheProcessStillExitsZero() throws {
        let sluice = try startSluice { $0.server = ["shutdown_grace: 1s"] }
        let slow = try connectToSluice()
        slow.send(RawHTTPClient.requestBytes("GET", "/slow?ms=8000"))
        try waitForUpstreamHits(1)
        let signalled = Date()
        sluice.signal(SIGTERM)
        XCTAssertTrue(sluice.waitUntilEnded(timeout: 8), "sluice still runs 8 s after SIGTERM")
        let elapsed = Date().timeIntervalSince(signalled)
        let status = try sluice.waitForExit(timeout: 10)
        XCTAssertEqual(status, 0, sluice.output)
        XCTAssertGreaterThanOrEqual(elapsed, 0.8, "sluice did not wait for the request in flight")
        XCTAssertLessThan(elapsed, 1 + 2, "sluice outlived shutdown_grace (1 s)")
        let leftover = try? slow.readResponse()
        XCTAssertNotEqual(leftover?.status, 200, "a request cut at the end of the grace period looked complete")
    }

    func testSigintDrainsAnIdleProcessAtOnceWithExitZero() throws {
        let sluice = try startSluice { $0.server = ["shutdown_grace: 10s"] }
        let idle = try connectToSluice()
        XCTAssertEqual(try send(idle, "GET", "/v1/before-sigint").status, 200)
        let signalled = Date()
        sluice.signal(SIGINT)
        XCTAssertTrue(sluice.waitUntilEnded(timeout: 15), "sluice still runs 15 s after SIGINT")
        let elapsed = Date().timeIntervalSince(signalled)
        XCTAssertEqual(try sluice.waitForExit(timeout: 10), 0, sluice.output)
        XCTAssertLessThan(elapsed, 5, "an idle keep-alive connection held sluice for the grace period on SIGINT")
        XCTAssertTrue(idle.waitForClose(timeout: 1))
    }
}
