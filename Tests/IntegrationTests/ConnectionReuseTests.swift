import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Keep-alive on both sides, when an upstream connection may go back to the pool (not when stale, closed or
/// abandoned mid-answer), and streaming (the head at once, back-pressure).
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

    /// Client A asks for a slow answer, pipelines 40 KB of junk (so sluice stops reading it) and resets before the
    /// answer; writing the answer to A fails. Its upstream connection must be closed and forgotten, not pooled:
    /// otherwise a freed descriptor number, reused by client C's socket, receives client B's request.
    func testClientResetWhileItsAnswerIsWrittenDoesNotPoolTheClosedUpstreamConnection() throws {
        let sluice = try startSluice { $0.server.append("workers: 1") }
        let a = try sluice.connect()
        XCTAssertTrue(a.send(RawHTTPClient.requestBytes("GET", "/slow?ms=400") + [UInt8](repeating: 0x58, count: 40_000)))
        usleep(150_000)
        a.closeWithReset()
        usleep(600_000)  // the upstream answers at 400 ms; sluice's write to A fails

        let b = try sluice.connect(timeout: 5)
        let c = try sluice.connect(timeout: 5)
        usleep(100_000)  // both accepted before B's request is forwarded
        XCTAssertTrue(b.send(RawHTTPClient.requestBytes("GET", "/v1/own-path-of-b", headers: [("Authorization", "Bearer SECRET-OF-B")])))

        c.setReadTimeout(1)
        do {
            let leaked = try c.readSome(maximum: 65_536)
            XCTFail(leaked.isEmpty ? "client C was closed by sluice although it did nothing"
                                   : "client C received bytes it never asked for: \(String(decoding: leaked.prefix(200), as: UTF8.self))")
        } catch RawHTTPClient.Failure.timeout {
            // Nothing arrived within 1 s: as it should be.
        }

        let answer = try b.readResponse()
        XCTAssertEqual(answer?.status, 200, answer?.text ?? "B got no answer")
        XCTAssertEqual(answer?.jsonObject?["path"] as? String, "/v1/own-path-of-b", answer?.text ?? "")
        try assertServesANewConnection(sluice)
    }


    /// An upstream answers `Content-Length: 2` `ok` and closes (without `Connection: close`). The pipelined POST
    /// that follows must go to a fresh upstream connection and be answered normally, not 502.
    func testUpstreamThatClosesAfterACompleteAnswerIsNotReusedForThePipelinedPost() throws {
        let origin = try HandScriptedUpstream { fd, path in
            if path == "/answer-then-close" {
                HandScriptedUpstream.cork(fd)  // the answer and the FIN leave together
                _ = HandScriptedUpstream.write(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                return false
            }
            return HandScriptedUpstream.answer(fd, "fresh:\(path)")
        }
        defer { origin.stop() }
        let sluice = try SluiceProcess(config: SluiceConfig(targets: [origin.address]))
        self.sluice = sluice
        let client = try sluice.connect()
        XCTAssertTrue(client.send(RawHTTPClient.requestBytes("GET", "/answer-then-close")
            + RawHTTPClient.requestBytes("POST", "/after", body: Array("payload".utf8))))

        let first = try client.readResponse()
        XCTAssertEqual(first?.status, 200)
        XCTAssertEqual(first?.text, "ok")
        let second = try client.readResponse(method: "POST")
        XCTAssertEqual(second?.status, 200, second?.text ?? "no answer to the pipelined POST")
        XCTAssertEqual(second?.text, "fresh:/after")
        XCTAssertEqual(origin.connectionsAccepted, 2, "the POST should travel on a second upstream connection")
    }

    /// An upstream sends a chunked event-stream head and the first chunk 1.5 s later: the client must see the head
    /// at once, not together with the first body byte.
    func testHeadOfAStreamedResponseIsSentBeforeItsFirstBodyByte() throws {
        let origin = try HandScriptedUpstream { fd, path in
            guard path == "/events" else { return HandScriptedUpstream.answer(fd, "other") }
            guard HandScriptedUpstream.write(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n") else { return false }
            usleep(1_500_000)
            return HandScriptedUpstream.write(fd, "5\r\nhello\r\n0\r\n\r\n")
        }
        defer { origin.stop() }
        let sluice = try SluiceProcess(config: SluiceConfig(targets: [origin.address]))
        self.sluice = sluice
        let client = try sluice.connect()
        let started = Date()
        XCTAssertTrue(client.send(RawHTTPClient.requestBytes("GET", "/events")))
        guard let head = try client.readHead() else { return XCTFail("no response head") }
        let headSeconds = Date().timeIntervalSince(started)
        let body = try client.readBody(of: head)
        let bodySeconds = Date().timeIntervalSince(started)

        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("content-type"), "text/event-stream")
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "hello")
        XCTAssertLessThan(headSeconds, 1.0, "the head waited for the first chunk")
        XCTAssertGreaterThanOrEqual(bodySeconds, 1.4, "the body arrived before the upstream sent it?")
    }

}
