import Foundation
import XCTest

/// Keep-alive on both sides, pipelining, stale pooled connections, and streaming with back-pressure.
final class ConnectionReuseTests: IntegrationTestCase {
    func testManyRequestsOverOneClientConnectionUseFewUpstreamConnections() throws {
        try startSluice()
        let before = try upstream.connectionsAccepted()
        let client = try connectToSluice()
        for i in 0..<100 {
            let response = try send(client, "GET", "/v1/items/\(i)")
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.jsonObject?["path"] as? String, "/v1/items/\(i)")
        }
        // Subtract the counter request itself (one connection).
        let used = try upstream.connectionsAccepted() - before - 1
        XCTAssertGreaterThanOrEqual(used, 1)
        XCTAssertLessThanOrEqual(used, 3, "100 sequential requests opened \(used) upstream connections")
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        try startSluice()
        let client = try connectToSluice()
        var batch: [UInt8] = []
        var methods: [String] = []
        for i in 0..<12 {
            switch i % 4 {
            case 1:
                batch += RawHTTPClient.requestBytes("POST", "/echo?i=\(i)", body: Array("body-\(i)".utf8))
                methods.append("POST")
            case 2:
                batch += RawHTTPClient.requestBytes("HEAD", "/echo?i=\(i)")
                methods.append("HEAD")
            default:
                batch += RawHTTPClient.requestBytes("GET", "/echo?i=\(i)")
                methods.append("GET")
            }
        }
        XCTAssertTrue(client.send(batch))
        for (i, method) in methods.enumerated() {
            guard let response = try client.readResponse(method: method) else { return XCTFail("connection closed before response \(i)") }
            XCTAssertEqual(response.status, 200, "response \(i)")
            if method == "HEAD" {
                XCTAssertTrue(response.body.isEmpty)
                continue
            }
            let echoed = EchoedRequest(response)
            XCTAssertEqual(echoed?.target, "/echo?i=\(i)", "response \(i) out of order")
            XCTAssertEqual(echoed?.method, method)
            if method == "POST" { XCTAssertEqual(echoed?.bodyLength, "body-\(i)".utf8.count) }
        }
    }

    func testStaleKeepAliveConnectionIsRetriedTransparently() throws {
        upstream.stop()
        upstream = try UpstreamProcess(extraArguments: ["--idle-close-ms", "200"])
        try startSluice { $0.upstream = ["retries: 0"] }  // only the stale-connection retry may help
        let client = try connectToSluice()
        XCTAssertEqual(try send(client, "GET", "/v1/first").status, 200)
        // Real time must pass here: the upstream closes the pooled connection after 200 ms of idleness.
        usleep(400_000)
        let second = try send(client, "GET", "/v1/second")
        XCTAssertEqual(second.status, 200, second.text)
        XCTAssertEqual(second.jsonObject?["path"] as? String, "/v1/second")
        XCTAssertEqual(try upstream.hits(), 2)
    }

    func testRequestDroppedOnAReusedConnectionIsRetriedOnAFreshOne() throws {
        upstream.stop()
        upstream = try UpstreamProcess(extraArguments: ["--drop-reused-connections"])
        try startSluice { $0.upstream = ["retries: 0"] }  // only the stale-connection retry may help
        try assertSequentialGetsSucceed(count: 5, name: "reused", because: "not retried after the pooled connection was dropped")
    }

    func testLargeDownloadReadSlowlyKeepsSluiceMemoryLow() throws {
        try startSluice()
        let total = 100 * 1024 * 1024
        let client = try connectToSluice(timeout: 30)
        XCTAssertTrue(client.send(RawHTTPClient.requestBytes("GET", "/bytes?n=\(total)")))
        guard let head = try client.readHead() else { return XCTFail("no response head") }
        XCTAssertEqual(head.status, 200)
        let pattern = Self.patternBytes(251 * 1100)  // any piece of up to 256 KiB, starting at any phase
        var received = 0, peakRSS = 0, mismatches = 0, paused = false
        while received < total {
            let piece = try client.readSome(maximum: 256 * 1024)
            if piece.isEmpty { break }
            let phase = received % 251
            let equal = piece.withUnsafeBytes { got in
                pattern.withUnsafeBytes { memcmp(got.baseAddress!, $0.baseAddress! + phase, piece.count) == 0 }
            }
            if !equal { mismatches += 1 }
            received += piece.count
            if received >= 10 << 20 && !paused {
                // Stop reading for a second: a proxy without back-pressure would now buffer the rest.
                paused = true
                usleep(1_000_000)
            }
            if let rss = sluice?.residentBytes() { peakRSS = max(peakRSS, rss) }
            usleep(1_000)
        }
        XCTAssertEqual(received, total)
        XCTAssertEqual(mismatches, 0, "pieces that differ from the upstream's bytes")
        print("sluice peak RSS while streaming 100 MiB: \(peakRSS / 1024) KiB")
        XCTAssertGreaterThan(peakRSS, 0, "could not read /proc/PID/status")
        XCTAssertLessThan(peakRSS, 50 << 20, "sluice RSS reached \(peakRSS >> 20) MiB while streaming 100 MiB")
    }
}
