import Foundation
import XCTest

/// Upstream resilience through the real binary (SPEC §6, issue 5): several targets, retries with backoff within a
/// deadline, which methods are retried, timeouts, circuit breakers, active health checks, no healthy target, and
/// clients that go away.
final class ResilienceIntegrationTests: IntegrationTestCase {
    // MARK: Targets and retries

    func testDeadTargetIsSkippedAndEveryGetIsAnswered200() throws {
        let dead = "127.0.0.1:\(try Self.deadPort())"
        try startSluice { $0.targets = [self.upstream.address, dead] }
        let keptAlive = try connectToSluice()
        for i in 0..<10 {
            XCTAssertEqual(try send(keptAlive, "GET", "/v1/kept/\(i)").status, 200, "keep-alive request \(i)")
            XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/fresh/\(i)").status, 200, "new-connection request \(i)")
        }
        XCTAssertEqual(try upstream.hits(), 20, "each GET reached the live target exactly once")
        try waitUntil("the dead target's refused tries counted in /stats") { try upstreamStats(of: dead).failures > 0 }
    }

    func testRequestsAreBalancedRoundRobinOverTargets() throws {
        let second = try UpstreamProcess()
        try startSluice { $0.targets = [self.upstream.address, second.address] }
        let client = try connectToSluice()
        for i in 0..<20 { XCTAssertEqual(try send(client, "GET", "/v1/balanced/\(i)").status, 200) }
        XCTAssertEqual(try upstream.hits(), 10)
        XCTAssertEqual(try second.hits(), 10)
    }

    func testGetRetriedAfter503SucceedsOnTheNextTry() throws {
        try startSluice { $0.upstream = ["retries: 2", "retry_backoff: 10ms"] }
        try command(upstream, "/admin/fail-next?n=2&status=503")
        let response = try send(try connectToSluice(), "GET", "/v1/after-two-503s")
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(response.jsonObject?["path"] as? String, "/v1/after-two-503s")
        XCTAssertEqual(try upstream.hits(), 3, "two failed tries and the successful one")
        let address = upstream.address
        try waitUntil("/stats counts the tries", describe: { "\(String(describing: try? self.upstreamStats(of: address)))" }) {
            let stats = try upstreamStats(of: address)
            return stats.requests == 3 && stats.failures == 2
        }
    }

    func testRequestBodyIsSentIntactOnEveryRetry() throws {
        try startSluice { $0.upstream = ["retries: 2", "retry_backoff: 10ms"] }
        let body = Self.binaryBytes(100_000)
        let direct = try XCTUnwrap(try upstream.connect().request("PUT", "/echo", body: body))
        let reference = try XCTUnwrap(EchoedRequest(direct)).bodySHA256
        let chunked = Array("\(String(body.count, radix: 16))\r\n".utf8) + body + Array("\r\n0\r\n\r\n".utf8)
        for (framing, headers, sent) in [("content-length", [(String, String)](), body),
                                         ("chunked", [("Transfer-Encoding", "chunked")], chunked)] {
            try command(upstream, "/hits/reset")
            try command(upstream, "/admin/fail-next?n=2&status=503")
            let (_, echoed) = try echo(try connectToSluice(), "PUT", target: "/echo", headers: headers, body: sent)
            XCTAssertEqual(echoed.bodyLength, body.count, framing)
            XCTAssertEqual(echoed.bodySHA256, reference, "\(framing): the third try carried the same body")
            XCTAssertEqual(try upstream.hits(), 3, framing)
        }
    }

    func testHeadIsRetriedAndAnsweredWithoutABody() throws {
        try startSluice { $0.upstream = ["retries: 2", "retry_backoff: 10ms"] }
        try command(upstream, "/admin/fail-next?n=1&status=503")
        let client = try connectToSluice()
        let head = try XCTUnwrap(try client.request("HEAD", "/v1/head-after-503"))
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.body, [])
        XCTAssertEqual(try upstream.hits(), 2)
        try command(upstream, "/admin/fail-next?n=3&status=503")
        let failed = try XCTUnwrap(try client.request("HEAD", "/v1/head-always-503"))
        XCTAssertEqual(failed.status, 503)
        XCTAssertEqual(try send(client, "GET", "/v1/after-heads").jsonObject?["path"] as? String, "/v1/after-heads",
                       "the client connection's framing survived the HEAD answers")
    }

    func testPipelinedRequestsAreAnsweredInOrderAcrossRetries() throws {
        try startSluice { $0.upstream = ["retries: 2", "retry_backoff: 10ms"] }
        try command(upstream, "/admin/fail-next?n=2&status=503")
        let client = try connectToSluice()
        client.send((0..<3).flatMap { RawHTTPClient.requestBytes("GET", "/v1/pipelined/\($0)") })
        for i in 0..<3 {
            let response = try XCTUnwrap(try client.readResponse(), "response \(i)")
            XCTAssertEqual(response.status, 200, "response \(i)")
            XCTAssertEqual(response.jsonObject?["path"] as? String, "/v1/pipelined/\(i)")
        }
        XCTAssertEqual(try upstream.hits(), 5, "two failed tries, then three answers")
    }

    func testRetriedChunkedAndCompressedErrorsEndInOneEnvelope() throws {
        try startSluice { $0.upstream = ["retries: 2", "retry_backoff: 10ms", #"circuit_breaker: { failures: 100, open_for: 1s }"#] }
        let client = try connectToSluice()
        for query in ["chunked=1", "encoding=gzip", "encoding=deflate&chunked=1", "body=html&chunked=1"] {
            try command(upstream, "/hits/reset")
            assertEnvelope(try client.request("GET", "/status/503?\(query)"), status: 503, code: "SERVICE_UNAVAILABLE")
            XCTAssertEqual(try upstream.hits(), 3, query)
        }
        XCTAssertEqual(try send(client, "GET", "/v1/after-errors").status, 200)
    }

    func testGetFailingEveryTryGetsTheLastUpstreamResponseNormalised() throws {
        try startSluice { $0.upstream = ["retries: 2", "retry_backoff: 10ms"] }
        let response = try connectToSluice().request("GET", "/status/503?body=traceback")
        assertEnvelope(response, status: 503, code: "SERVICE_UNAVAILABLE")
        XCTAssertEqual(try upstream.hits(), 3, "the first try and two retries")
    }

    func testGetRetriedOnASecondTargetWhenTheFirstAnswers503() throws {
        let healthy = try UpstreamProcess()
        try startSluice { $0.targets = [self.upstream.address, healthy.address]; $0.upstream = ["retries: 1", "retry_backoff: 10ms"] }
        try command(upstream, "/admin/fail-next?n=1000&status=503")
        for i in 0..<6 {
            XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/two-targets/\(i)").status, 200, "request \(i)")
        }
        XCTAssertEqual(try healthy.hits(), 6, "every request ended on the healthy target")
        XCTAssertGreaterThan(try upstream.hits(), 0, "some requests tried the failing target first")
    }

    func testBrokenConnectionsAreRetriedForIdempotentMethodsOnly() throws {
        try startSluice { $0.upstream = ["retries: 2", "retry_backoff: 10ms", #"circuit_breaker: { failures: 100, open_for: 1s }"#] }
        for fault in ["/fault/close-before-head", "/fault/close-before-head?rst=1", "/fault/garbage-status"] {
            for (method, tries) in [("GET", 3), ("PUT", 3), ("DELETE", 3), ("OPTIONS", 3), ("POST", 1), ("PATCH", 1)] {
                try command(upstream, "/hits/reset")
                let body = method == "PUT" || method == "POST" || method == "PATCH" ? Array(#"{"order":1}"#.utf8) : []
                assertEnvelope(try connectToSluice().request(method, fault, body: body), status: 502, code: "UPSTREAM_UNAVAILABLE")
                XCTAssertEqual(try upstream.hits(), tries, "\(method) \(fault): \(tries == 1 ? "reached the upstream, never sent again" : "first try and two retries")")
            }
        }
    }

    func testEachRetryGoesToTheNextTarget() throws {
        let second = try UpstreamProcess(), third = try UpstreamProcess()
        try startSluice {
            $0.targets = [self.upstream.address, second.address, third.address]
            $0.upstream = ["retries: 2", "retry_backoff: 10ms", #"circuit_breaker: { failures: 100, open_for: 1s }"#]
        }
        try command(upstream, "/admin/fail-next?n=1000&status=503")
        try command(second, "/admin/fail-next?n=1000&status=503")
        let client = try connectToSluice()
        var previous = (0, 0, 0)
        for i in 0..<6 {
            XCTAssertEqual(try send(client, "GET", "/v1/rotating/\(i)").status, 200, "request \(i)")
            let now = (try upstream.hits(), try second.hits(), try third.hits())
            let tries = (now.0 - previous.0, now.1 - previous.1, now.2 - previous.2)
            XCTAssertTrue(tries.0 <= 1 && tries.1 <= 1 && tries.2 == 1, "request \(i): tries per target \(tries); a retry must move on")
            previous = now
        }
    }

    func testPostIsNotRetriedAfterA503() throws {
        try startSluice { $0.upstream = ["retries: 2", "retry_backoff: 10ms"] }
        try command(upstream, "/admin/fail-next?n=1&status=503")
        let response = try connectToSluice().request("POST", "/echo", body: Array(#"{"charge":100}"#.utf8))
        assertEnvelope(response, status: 503, code: "SERVICE_UNAVAILABLE")
        XCTAssertEqual(try upstream.hits(), 1, "the upstream saw the POST once")
    }

    func testPostOnAReusedUpstreamConnectionIsNotResentWhenTheUpstreamClosesAfterReadingIt() throws {
        try startSluice { $0.upstream = ["retries: 2", "retry_backoff: 10ms"] }
        let client = try connectToSluice()
        XCTAssertEqual(try send(client, "GET", "/v1/warm-the-pool").status, 200)
        let response = try client.request("POST", "/fault/close-before-head", body: Array(#"{"charge":100}"#.utf8))
        assertEnvelope(response, status: 502, code: "UPSTREAM_UNAVAILABLE")
        // Sent on a reused keep-alive connection, the POST may have reached the upstream (here it did): the
        // "stale connection, once more on a fresh one" rescue must not apply to a non-idempotent method.
        XCTAssertEqual(try upstream.hits() - 1, 1, "the upstream read the POST, so it must not be sent again")
    }

    func testPostIsRetriedWhenTheConnectionWasRefused() throws {
        let dead = "127.0.0.1:\(try Self.deadPort())"
        try startSluice {
            $0.targets = [dead, self.upstream.address]
            $0.upstream = ["retries: 1", "retry_backoff: 10ms", #"circuit_breaker: { failures: 100, open_for: 1s }"#]
        }
        for i in 0..<8 {
            let body = Array(#"{"order":\#(i)}"#.utf8)
            let (_, echoed) = try echo(try connectToSluice(), "POST", target: "/echo?order=\(i)", body: body)
            XCTAssertEqual(echoed.bodyLength, body.count)
        }
        XCTAssertEqual(try upstream.hits(), 8, "each POST reached the live target exactly once")
        try waitUntil("some POSTs were first refused by the dead target") { try upstreamStats(of: dead).failures > 0 }
    }

    func testPostIsRetriedOnAnotherTargetWhenTheConnectTimedOut() throws {
        let blackhole = try BlackholeListener()
        try startSluice {
            $0.targets = [blackhole.address, self.upstream.address]
            $0.upstream = ["connect_timeout: 300ms", "retries: 1", "retry_backoff: 10ms",
                           #"circuit_breaker: { failures: 100, open_for: 1s }"#]
        }
        for i in 0..<4 {
            let (_, echoed) = try echo(try connectToSluice(), "POST", target: "/echo?order=\(i)", body: Array("order \(i)".utf8))
            XCTAssertEqual(echoed.target, "/echo?order=\(i)")
        }
        XCTAssertEqual(try upstream.hits(), 4, "each POST reached the live target exactly once")
        try waitUntil("some POSTs first timed out connecting") { try upstreamStats(of: blackhole.address).failures > 0 }
    }

    func testConnectTimeoutGets504WithinConnectTimeout() throws {
        let blackhole = try BlackholeListener()
        try startSluice { $0.targets = [blackhole.address]; $0.upstream = ["connect_timeout: 300ms", "retries: 0"] }
        let (response, elapsed) = try timedRequest("GET", "/v1/blackhole")
        assertEnvelope(response, status: 504, code: "UPSTREAM_TIMEOUT")
        XCTAssertGreaterThanOrEqual(elapsed, 0.25)
        XCTAssertLessThan(elapsed, 2, "connect_timeout is 300 ms")
    }

    func testOnlyStatusesInRetryOnAreRetried() throws {
        try startSluice {
            $0.upstream = ["retries: 2", "retry_backoff: 10ms", "retry_on: [500, 502]", #"circuit_breaker: { failures: 100, open_for: 1s }"#]
        }
        for (status, code, tries) in [(500, "INTERNAL_ERROR", 3), (502, "BAD_GATEWAY", 3), (503, "SERVICE_UNAVAILABLE", 1)] {
            try command(upstream, "/hits/reset")
            let response = try connectToSluice().request("GET", "/status/\(status)")
            XCTAssertEqual(response?.status, status)
            XCTAssertEqual(response?.errorCode, code, "the last upstream response, normalised")
            XCTAssertEqual(try upstream.hits(), tries, "/status/\(status) with retry_on [500, 502]")
        }
    }

    func testPostAfterTheUpstreamClosedAnIdlePooledConnectionIsSentOnce() throws {
        upstream.stop()
        upstream = try UpstreamProcess(extraArguments: ["--idle-close-ms", "100"])
        try startSluice { $0.upstream = ["retries: 2", "retry_backoff: 10ms"] }
        let client = try connectToSluice()
        for i in 0..<3 {
            XCTAssertEqual(try send(client, "GET", "/v1/pooled/\(i)").status, 200)
            usleep(300_000)  // the upstream closes the idle pooled connection after 100 ms
            let (_, echoed) = try echo(client, "POST", target: "/echo?round=\(i)", body: Array("round \(i)".utf8))
            XCTAssertEqual(echoed.target, "/echo?round=\(i)")
        }
        XCTAssertEqual(try upstream.hits(), 6, "three GETs and three POSTs, each once")
    }

    func testBackoffSpacesTriesAndStaysWithinItsCeilings() throws {
        try startSluice { $0.upstream = ["retries: 2", "retry_backoff: 200ms", #"circuit_breaker: { failures: 1000, open_for: 1s }"#] }
        let rounds = 6
        var total: TimeInterval = 0
        for i in 0..<rounds {
            let (response, elapsed) = try timedRequest("GET", "/status/503?round=\(i)")
            assertEnvelope(response, status: 503, code: "SERVICE_UNAVAILABLE")
            // Ceilings 200 ms + 400 ms; generous slack for a loaded machine.
            XCTAssertLessThan(elapsed, 0.6 + 1.0, "round \(i): \(elapsed) s")
            total += elapsed
        }
        XCTAssertEqual(try upstream.hits(), 3 * rounds)
        // Expected backoff ≈ 300 ms a request; 12 uniform waits summing under 0.3 s has probability < 1e-8.
        XCTAssertGreaterThan(total, 0.3, "\(rounds) requests with 2 backoffs each took \(total) s: tries are not spaced")
        print("backoff: \(rounds) requests × 3 tries took \(String(format: "%.3f", total)) s (mean backoff ceiling sum 0.6 s)")
    }

    func testRetriesStopAtTheOverallDeadline() throws {
        // Deadline 2 × (100 ms + 100 ms) = 400 ms; backoff ceilings 5 s and 10 s would mostly exceed it.
        try startSluice {
            $0.upstream = ["retries: 2", "retry_backoff: 5s", "connect_timeout: 100ms", "response_timeout: 100ms",
                           #"circuit_breaker: { failures: 1000, open_for: 1s }"#]
        }
        for i in 0..<4 {
            let (response, elapsed) = try timedRequest("GET", "/status/503?round=\(i)")
            assertEnvelope(response, status: 503, code: "SERVICE_UNAVAILABLE")
            XCTAssertLessThan(elapsed, 0.4 + 0.8, "round \(i) waited \(elapsed) s past a 400 ms deadline")
        }
    }

    func testTimedOutTriesStopAtTheOverallDeadline() throws {
        // Deadline 2 × (300 ms + 300 ms) = 1.2 s: at most four 300 ms tries start, not the six that retries: 5 allows.
        try startSluice { $0.upstream = ["retries: 5", "retry_backoff: 1ms", "connect_timeout: 300ms", "response_timeout: 300ms"] }
        let (response, elapsed) = try timedRequest("GET", "/fault/never-answer")
        assertEnvelope(response, status: 504, code: "UPSTREAM_TIMEOUT")
        XCTAssertLessThanOrEqual(try upstream.hits(), 4, "tries started after the 1.2 s deadline")
        XCTAssertGreaterThanOrEqual(try upstream.hits(), 3)
        XCTAssertLessThan(elapsed, 1.2 + 0.3 + 0.7, "the last try starts before the deadline and lasts one response_timeout")
    }

    // MARK: Timeouts and streaming

    func testResponseTimeoutGets504UpstreamTimeout() throws {
        // connect_timeout far longer than response_timeout: the try must end at response_timeout, not at the other.
        try startSluice { $0.upstream = ["connect_timeout: 5s", "response_timeout: 300ms", "retries: 0"] }
        let (response, elapsed) = try timedRequest("GET", "/fault/never-answer")
        assertEnvelope(response, status: 504, code: "UPSTREAM_TIMEOUT")
        XCTAssertGreaterThanOrEqual(elapsed, 0.25)
        XCTAssertLessThan(elapsed, 2, "response_timeout is 300 ms (connect_timeout 5 s), the 504 came after \(elapsed) s")
        try waitUntil("the timed-out upstream connection closed by sluice") { try upstream.connectionsOpen() == 1 }
    }

    func testUpstreamThatNeverReadsALargeBodyGets504AtResponseTimeout() throws {
        let silent = try BlackholeListener(acceptQueueFull: false)
        try startSluice {
            $0.targets = [silent.address]
            $0.upstream = ["connect_timeout: 500ms", "response_timeout: 500ms", "retries: 1", "retry_backoff: 10ms"]
        }
        let client = try connectToSluice()
        let started = Date()
        let response = try client.request("POST", "/echo", body: [UInt8](repeating: 97, count: 8 << 20))
        let elapsed = Date().timeIntervalSince(started)
        assertEnvelope(response, status: 504, code: "UPSTREAM_TIMEOUT")
        XCTAssertLessThan(elapsed, 3, "a request stuck in the upstream's socket buffer still ends at response_timeout")
        XCTAssertEqual(try send(client, "GET", "/v1/next").status, 504, "the client connection stays usable")
    }

    func testTimedOutGetIsRetriedButTimedOutPostIsNot() throws {
        try startSluice { $0.upstream = ["connect_timeout: 300ms", "response_timeout: 300ms", "retries: 1", "retry_backoff: 10ms"] }
        assertEnvelope(try connectToSluice().request("GET", "/fault/never-answer"), status: 504, code: "UPSTREAM_TIMEOUT")
        XCTAssertEqual(try upstream.hits(), 2, "GET: the first try and one retry")
        try command(upstream, "/hits/reset")
        assertEnvelope(try connectToSluice().request("POST", "/fault/never-answer", body: Array("x".utf8)),
                       status: 504, code: "UPSTREAM_TIMEOUT")
        XCTAssertEqual(try upstream.hits(), 1, "POST: sent once")
    }

    func testResponseThatStartedStreamingIsNeverRetried() throws {
        try startSluice { $0.upstream = ["retries: 2", "retry_backoff: 10ms"] }
        let client = try connectToSluice()
        client.send(RawHTTPClient.requestBytes("GET", "/fault/close-mid-body"))
        let head = try client.readHead()
        XCTAssertEqual(head?.status, 200, "the head was streamed before the body broke")
        if let head {
            XCTAssertThrowsError(try client.readBody(of: head), "a 1000-byte body cut at 100 bytes must not look complete")
        }
        XCTAssertTrue(client.waitForClose(timeout: 5), "sluice closes the client connection")
        XCTAssertEqual(try upstream.hits(), 1, "a response that started streaming is never retried")
    }

    // MARK: Clients that go away

    func testClientDisconnectCancelsItsUpstreamRequest() throws {
        try startSluice { $0.upstream = ["response_timeout: 20s", "retries: 2"] }
        XCTAssertEqual(try upstream.connectionsOpen(), 1, "only the counter query")
        let client = try connectToSluice()
        client.send(RawHTTPClient.requestBytes("GET", "/fault/never-answer"))
        try waitUntil("sluice's upstream connection open") { try upstream.connectionsOpen() == 2 }
        try waitUntil("the upstream read the request") { try upstream.hits() == 1 }
        client.close()
        try waitUntil("the upstream sees its connection closed", timeout: 3,
                      describe: { "open: \((try? self.upstream.connectionsOpen()) ?? -1)" }) { try upstream.connectionsOpen() == 1 }
        XCTAssertEqual(try upstream.hits(), 1, "the cancelled request was not retried")
        XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/afterwards").status, 200)
    }

    func testClientDisconnectDuringTheBackoffStartsNoFurtherTry() throws {
        try startSluice {
            $0.upstream = ["retries: 1", "retry_backoff: 2s", "connect_timeout: 5s", "response_timeout: 5s"]
        }
        try command(upstream, "/admin/fail-next?n=1&status=503")
        let client = try connectToSluice()
        client.send(RawHTTPClient.requestBytes("GET", "/v1/abandoned-during-backoff"))
        try waitUntil("the first try failed") { try upstream.hits() == 1 }
        client.close()
        let hitsAtClose = try upstream.hits()
        try waitUntil("the abandoned request left in_flight", timeout: 1) {
            (try admin("/stats").jsonObject?["requests"] as? [String: Any])?["in_flight"] as? Int == 0
        }
        usleep(2_300_000)  // past the largest backoff (2 s): a retry timer that survived the client would have fired
        XCTAssertEqual(try upstream.hits(), hitsAtClose, "a retry was sent for a client that had gone")
    }

    func testClientDisconnectMidStreamClosesTheUpstreamConnection() throws {
        try startSluice()
        let client = try connectToSluice()
        client.send(RawHTTPClient.requestBytes("GET", "/bytes?n=50000000&slow_ms=20"))
        XCTAssertEqual(try client.readHead()?.status, 200)
        XCTAssertFalse(try client.readSome(maximum: 1000).isEmpty, "the body started streaming")
        XCTAssertEqual(try upstream.connectionsOpen(), 2, "sluice's upstream connection and the counter query")
        client.close()
        try waitUntil("the upstream sees its half-read connection closed", timeout: 3,
                      describe: { "open: \((try? self.upstream.connectionsOpen()) ?? -1)" }) { try upstream.connectionsOpen() == 1 }
        try waitUntil("no request in flight") { (try admin("/stats").jsonObject?["requests"] as? [String: Any])?["in_flight"] as? Int == 0 }
        XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/afterwards").status, 200)
    }
}
