import Foundation
import XCTest

/// SPEC §5 rate limiting through the real sluice binary (issue 3 "Must show"): headers, refusals, concurrency, refill.
final class RateLimitIntegrationTests: IntegrationTestCase {
    // MARK: Headers

    func testHeaderSequenceForOneKeyCountsDownEveryLimit() throws {
        try startLimitedSluice()
        let client = try connectToSluice()
        var previousReset = 0
        for n in 1...5 {
            let before = unixSeconds()
            let response = try send(client, "GET", "/v1/items", headers: bearerKey("key-sequence"))
            XCTAssertEqual(response.status, 200, response.text)
            XCTAssertEqual(response.header("X-RateLimit-Limit"), "100")
            XCTAssertEqual(response.header("X-RateLimit-Remaining"), "\(100 - n)")
            XCTAssertEqual(response.header("X-RateLimit-Limit-Hour"), "100")
            XCTAssertEqual(response.header("X-RateLimit-Remaining-Hour"), "\(100 - n)")
            XCTAssertEqual(response.header("X-RateLimit-Limit-Minute"), "10")
            XCTAssertEqual(response.header("X-RateLimit-Remaining-Minute"), "\(10 - n)")
            // The hour bucket gains one token every 36 s: full again about n × 36 s from now.
            let reset = try XCTUnwrap(response.header("X-RateLimit-Reset").flatMap { Int($0) }, "\(response.headers)")
            XCTAssertGreaterThan(reset, before, "Reset is not in the future")
            XCTAssertLessThanOrEqual(reset, unixSeconds() + n * 36 + 1, "Reset too far ahead after \(n) requests")
            XCTAssertGreaterThanOrEqual(reset, previousReset, "Reset went backwards")
            previousReset = reset
            XCTAssertEqual(response.header("RateLimit-Policy"), #""hour";q=100;w=3600, "minute";q=10;w=60"#)
            // The minute bucket is the closest to exhaustion; it gains a token every 6 s.
            let item = try XCTUnwrap(Self.rateLimitField(response.header("RateLimit")), "RateLimit: \(response.header("RateLimit") ?? "nil")")
            XCTAssertEqual(item.name, "minute")
            XCTAssertEqual(item.remaining, 10 - n)
            XCTAssertTrue((1...6).contains(item.seconds), "t=\(item.seconds)")
            XCTAssertEqual(response.headers(named: "X-RateLimit-Limit").count, 1)
        }
    }

    func testRateLimitHeadersArePresentOnUpstream4xxAnd5xxResponses() throws {
        try startLimitedSluice { $0.upstream = ["retry_on: []"] }
        let client = try connectToSluice()
        let targets = ["/status/404?body=nestjs-not-found", "/status/400?body=keva-validation", "/status/500", "/status/503?body=keva-internal"]
        for (index, target) in targets.enumerated() {
            let response = try send(client, "GET", target, headers: bearerKey("key-errors"))
            let status = Int(target.dropFirst("/status/".count).prefix(3))!
            XCTAssertEqual(response.status, status, "\(target): \(response.text)")
            XCTAssertEqual(response.header("X-RateLimit-Limit"), "100", target)
            XCTAssertEqual(response.header("X-RateLimit-Remaining"), "\(99 - index)", target)
            XCTAssertEqual(response.header("X-RateLimit-Remaining-Minute"), "\(9 - index)", target)
            XCTAssertNotNil(response.header("X-RateLimit-Reset"), target)
            XCTAssertNotNil(response.header("RateLimit-Policy"), target)
            XCTAssertNotNil(Self.rateLimitField(response.header("RateLimit")), target)
        }
    }

    func testRateLimitHeadersArePresentOnRedirectsAndBodilessResponses() throws {
        try startLimitedSluice()
        let client = try connectToSluice()
        for (index, (target, status)) in [("/redirect", 302), ("/status/204", 204), ("/status/304", 304)].enumerated() {
            let response = try send(client, "GET", target, headers: bearerKey("key-3xx"))
            XCTAssertEqual(response.status, status, target)
            XCTAssertEqual(response.header("X-RateLimit-Remaining"), "\(99 - index)", target)
            XCTAssertNotNil(response.header("RateLimit"), target)
        }
    }

    func testRateLimitNamesThePolicyClosestToExhaustion() throws {
        try startLimitedSluice(limits: ["limits:", "  - { name: long, requests: 5, per: 1h }", "  - { name: short, requests: 10, per: 1s }"])
        let client = try connectToSluice()
        var last: HTTPResponse?
        for _ in 1...3 { last = try send(client, "GET", "/v1/closest", headers: bearerKey("key-closest")) }
        let response = try XCTUnwrap(last)
        XCTAssertEqual(response.header("RateLimit-Policy"), #""long";q=5;w=3600, "short";q=10;w=1"#)
        let item = try XCTUnwrap(Self.rateLimitField(response.header("RateLimit")), "\(response.headers)")
        XCTAssertEqual(item.name, "long", "2 of 5 left is closer to exhaustion than 7 of 10")
        XCTAssertEqual(item.remaining, 2)
        XCTAssertTrue((700...720).contains(item.seconds), "one token every 720 s: t=\(item.seconds)")
        XCTAssertEqual(response.header("X-RateLimit-Remaining"), "2")
        XCTAssertEqual(response.header("X-RateLimit-Remaining-Short"), "7")
    }

    func testProxyRateLimitHeadersWinOverTheUpstreamOnes() throws {
        try startLimitedSluice()
        // The upstream adds X-RateLimit-Limit: 100, Remaining: 0, Reset: 1642248000 of its own.
        let response = try send(try connectToSluice(), "GET", "/status/404?ratelimit_headers=1", headers: bearerKey("key-both"))
        XCTAssertEqual(response.status, 404)
        XCTAssertEqual(response.headers(named: "X-RateLimit-Remaining"), ["99"], "\(response.headers)")
        XCTAssertEqual(response.headers(named: "X-RateLimit-Limit"), ["100"])
        XCTAssertEqual(response.headers(named: "X-RateLimit-Reset").count, 1)
        XCTAssertNotEqual(response.header("X-RateLimit-Reset"), "1642248000")
    }

    func testSluicesOwnUpstreamErrorsCarryTheRateLimitHeaders() throws {
        try startLimitedSluice {
            // connect_timeout as short as response_timeout: a fresh upstream connection's response deadline is otherwise
            // only checked when the connect timer fires (see the report on UpstreamConnection.setDeadline).
            $0.upstream = ["connect_timeout: 300ms", "response_timeout: 300ms", "retries: 0"]
        }
        let client = try connectToSluice()
        let timeout = try send(client, "GET", "/slow?ms=1500", headers: bearerKey("key-own-errors"))
        assertEnvelope(timeout, status: 504, code: "UPSTREAM_TIMEOUT")
        XCTAssertEqual(timeout.header("X-RateLimit-Remaining"), "99")
        XCTAssertEqual(timeout.header("X-RateLimit-Remaining-Minute"), "9")
        upstream.stop()
        let unavailable = try send(try connectToSluice(), "GET", "/v1/gone", headers: bearerKey("key-own-errors"))
        XCTAssertTrue([502, 503].contains(unavailable.status), "\(unavailable.status): \(unavailable.text)")
        XCTAssertEqual(unavailable.header("X-RateLimit-Remaining"), "98", "\(unavailable.headers)")
        XCTAssertNotNil(unavailable.header("RateLimit"))
    }

    // MARK: Refusal

    func testEleventhRequestWithinAMinuteIsRefusedWithTheExactEnvelope() throws {
        try startLimitedSluice()
        let client = try connectToSluice()
        for n in 1...10 {
            XCTAssertEqual(try send(client, "GET", "/v1/burst", headers: bearerKey("key-burst")).status, 200, "request \(n)")
        }
        let response = try send(client, "GET", "/v1/burst", headers: bearerKey("key-burst") + [("X-Request-Id", "burst-11")])
        assertEnvelope(response, status: 429, code: "RATE_LIMIT_EXCEEDED")
        let retryAfter = try XCTUnwrap(response.header("Retry-After").flatMap { Int($0) }, "\(response.headers)")
        // Ten tokens taken within a second or so: the minute bucket gains its next one within 6 s.
        XCTAssertTrue((1...6).contains(retryAfter), "Retry-After \(retryAfter)")
        let json = try XCTUnwrap(response.jsonObject)
        XCTAssertEqual(Set(json.keys), ["error", "status", "timestamp", "request_id"])
        let error = try XCTUnwrap(json["error"] as? [String: Any])
        XCTAssertEqual(Set(error.keys), ["code", "message", "details"])
        XCTAssertEqual(error["message"] as? String, "Rate limit exceeded. Try again in \(retryAfter) seconds")
        let details = try XCTUnwrap(error["details"] as? [String: Any])
        XCTAssertEqual(Set(details.keys), ["retry_after", "limit", "window"])
        XCTAssertEqual(details["retry_after"] as? Int, retryAfter)
        XCTAssertEqual(details["limit"] as? Int, 10)
        XCTAssertEqual(details["window"] as? String, "1 minute")
        XCTAssertEqual(json["status"] as? String, "error")
        XCTAssertEqual(json["request_id"] as? String, "burst-11")
        XCTAssertEqual(response.header("X-Request-Id"), "burst-11")
        XCTAssertTrue(Self.isRFC3339UTCTimestamp(json["timestamp"] as? String), "timestamp \(json["timestamp"] ?? "nil")")
        // A 429 carries the rate-limit headers too.
        XCTAssertEqual(response.header("X-RateLimit-Remaining-Minute"), "0")
        XCTAssertEqual(response.header("X-RateLimit-Remaining"), "90")
        XCTAssertEqual(Self.rateLimitField(response.header("RateLimit"))?.name, "minute")
        // A request id sluice generates is the one in the body as well.
        let generated = try send(client, "GET", "/v1/burst", headers: bearerKey("key-burst"))
        XCTAssertEqual(generated.status, 429)
        XCTAssertTrue(isUUID(generated.header("X-Request-Id")))
        XCTAssertEqual(generated.jsonObject?["request_id"] as? String, generated.header("X-Request-Id"))
    }

    func testRefusedRequestsNeverReachTheUpstreamAndAnotherKeyIsUnaffected() throws {
        try startLimitedSluice()
        let client = try connectToSluice()
        let hitsBefore = try upstream.hits()
        var statuses: [Int] = []
        for _ in 1...15 { statuses.append(try send(client, "GET", "/v1/counted", headers: bearerKey("key-a")).status) }
        XCTAssertEqual(statuses, Array(repeating: 200, count: 10) + Array(repeating: 429, count: 5))
        XCTAssertEqual(try upstream.hits() - hitsBefore, 10, "the upstream saw refused requests")
        let other = try send(client, "GET", "/v1/counted", headers: bearerKey("key-b"))
        XCTAssertEqual(other.status, 200, other.text)
        XCTAssertEqual(other.header("X-RateLimit-Remaining"), "99")
        XCTAssertEqual(other.header("X-RateLimit-Remaining-Minute"), "9")
        XCTAssertEqual(try upstream.hits() - hitsBefore, 11)
    }

    func testFortyParallelConnectionsOnAFreshKeyAdmitExactlyTen() throws {
        let sluice = try startLimitedSluice(limits: ["limits:", "  - { name: minute, requests: 10, per: 1m }"]) {
            $0.server = ["workers: 2"]
        }
        let hitsBefore = try upstream.hits()
        let all = try parallelStatuses(port: sluice.port, keys: Array(repeating: "key-parallel-fresh", count: 40)).map(\.status)
        XCTAssertEqual(all.count, 40)
        XCTAssertEqual(all.filter { $0 == 200 }.count, 10, "admitted: \(all)")
        XCTAssertEqual(all.filter { $0 == 429 }.count, 30, "refused: \(all)")
        XCTAssertEqual(try upstream.hits() - hitsBefore, 10, "the upstream saw other than the admitted requests")
    }

    func testParallelConnectionsOnSeveralKeysAdmitEachKeysCapacity() throws {
        let sluice = try startLimitedSluice(limits: ["limits:", "  - { name: minute, requests: 5, per: 1m }"]) {
            $0.server = ["workers: 2"]
        }
        let keys = (0..<48).map { "key-shared-\($0 % 4)" }
        let results = try parallelStatuses(port: sluice.port, keys: keys)
        for key in Set(keys) {
            let statuses = results.filter { $0.key == key }.map(\.status)
            XCTAssertEqual(statuses.filter { $0 == 200 }.count, 5, "\(key): \(statuses)")
            XCTAssertEqual(statuses.filter { $0 == 429 }.count, 7, "\(key): \(statuses)")
        }
    }

    /// One GET per key, each on its own connection and thread, all released at once; the statuses by key.
    func parallelStatuses(port: UInt16, keys: [String], file: StaticString = #filePath, line: UInt = #line) throws
        -> [(key: String, status: Int)] {
        let results = LockedList<(key: String, status: Int)>(), failures = LockedList<String>()
        let ready = DispatchGroup(), done = DispatchGroup()
        let go = DispatchSemaphore(value: 0)
        for (index, key) in keys.enumerated() {
            let request = RawHTTPClient.requestBytes("GET", "/v1/parallel", headers: bearerKey(key))
            ready.enter()
            done.enter()
            Thread {
                defer { done.leave() }
                guard let client = try? RawHTTPClient(port: port) else {
                    failures.append("connection \(index) failed")
                    return ready.leave()
                }
                ready.leave()
                go.wait()
                client.send(request)
                do {
                    guard let response = try client.readResponse() else { return failures.append("connection \(index): closed without a response") }
                    results.append((key, response.status))
                } catch {
                    failures.append("connection \(index): \(error)")
                }
            }.start()
        }
        XCTAssertEqual(ready.wait(timeout: .now() + 20), .success, file: file, line: line)
        for _ in keys { go.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success, "parallel requests did not finish", file: file, line: line)
        XCTAssertEqual(failures.items, [], file: file, line: line)
        return results.items
    }

    // MARK: Refill

    func testShortWindowRefillsAfterRetryAfterAndIsFullAtReset() throws {
        try startLimitedSluice(limits: ["limits:", "  - { name: second, requests: 3, per: 3s }"])
        let client = try connectToSluice()
        let key = bearerKey("key-refill")
        var reset = 0
        for n in 1...3 {
            let response = try send(client, "GET", "/v1/refill", headers: key)
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.header("X-RateLimit-Limit"), "3")
            XCTAssertEqual(response.header("X-RateLimit-Limit-Second"), "3")
            XCTAssertEqual(response.header("X-RateLimit-Remaining"), "\(3 - n)")
            XCTAssertEqual(response.header("RateLimit-Policy"), #""second";q=3;w=3"#)
            reset = response.header("X-RateLimit-Reset").flatMap { Int($0) } ?? 0
        }
        XCTAssertTrue((unixSeconds() + 1...unixSeconds() + 4).contains(reset), "Reset \(reset), now \(unixSeconds())")
        let refused = try send(client, "GET", "/v1/refill", headers: key)
        assertEnvelope(refused, status: 429, code: "RATE_LIMIT_EXCEEDED")
        let retryAfter = try XCTUnwrap(refused.header("Retry-After").flatMap { Int($0) })
        XCTAssertEqual(retryAfter, 1, "one token comes back every second")
        let details = (refused.jsonObject?["error"] as? [String: Any])?["details"] as? [String: Any]
        XCTAssertEqual(details?["limit"] as? Int, 3)
        XCTAssertEqual(details?["window"] as? String, "3 seconds")
        XCTAssertEqual(details?["retry_after"] as? Int, retryAfter)

        // After Retry-After one token is back, and only one.
        Thread.sleep(forTimeInterval: Double(retryAfter) + 0.1)
        let admitted = try send(client, "GET", "/v1/refill", headers: key)
        XCTAssertEqual(admitted.status, 200, "not admitted \(retryAfter) s after Retry-After: \(admitted.text)")
        XCTAssertEqual(admitted.header("X-RateLimit-Remaining"), "0")
        XCTAssertEqual(try send(client, "GET", "/v1/refill", headers: key).status, 429)

        // At X-RateLimit-Reset the bucket is full: three more in a row.
        let fullAt = try XCTUnwrap(try send(client, "GET", "/v1/refill", headers: key).header("X-RateLimit-Reset").flatMap { Int($0) })
        let wait = Double(fullAt) - Date().timeIntervalSince1970 + 0.05
        // Full in at most 3 s, and the Unix time is rounded up to a whole second.
        XCTAssertLessThanOrEqual(wait, 4.1, "Reset \(fullAt) is more than one window ahead")
        Thread.sleep(forTimeInterval: min(max(wait, 0), 4.1))
        var statuses: [Int] = []
        for _ in 1...4 { statuses.append(try send(client, "GET", "/v1/refill", headers: key).status) }
        XCTAssertEqual(statuses, [200, 200, 200, 429])
    }

    func testTheBucketWhoseRefillTakesLongestNamesTheRefusal() throws {
        try startLimitedSluice(limits: ["limits:", "  - { name: hour, requests: 2, per: 1h }", "  - { name: burst, requests: 1, per: 2s }"])
        let client = try connectToSluice()
        let key = bearerKey("key-two-windows")
        XCTAssertEqual(try send(client, "GET", "/v1/two", headers: key).status, 200)
        // The burst bucket is empty, the hour bucket is not: the burst bucket refuses.
        let byBurst = try send(client, "GET", "/v1/two", headers: key)
        assertEnvelope(byBurst, status: 429, code: "RATE_LIMIT_EXCEEDED")
        var details = (byBurst.jsonObject?["error"] as? [String: Any])?["details"] as? [String: Any]
        XCTAssertEqual(details?["limit"] as? Int, 1)
        XCTAssertEqual(details?["window"] as? String, "2 seconds")
        XCTAssertEqual(byBurst.header("Retry-After"), "2")
        XCTAssertEqual(byBurst.header("X-RateLimit-Remaining"), "1", "the standard (hour) bucket still holds a token")
        Thread.sleep(forTimeInterval: 2.1)
        XCTAssertEqual(try send(client, "GET", "/v1/two", headers: key).status, 200)
        // Now both are empty: the hour bucket's refill (30 minutes a token) takes longest.
        let byHour = try send(client, "GET", "/v1/two", headers: key)
        assertEnvelope(byHour, status: 429, code: "RATE_LIMIT_EXCEEDED")
        details = (byHour.jsonObject?["error"] as? [String: Any])?["details"] as? [String: Any]
        XCTAssertEqual(details?["limit"] as? Int, 2)
        XCTAssertEqual(details?["window"] as? String, "1 hour")
        let retryAfter = try XCTUnwrap(byHour.header("Retry-After").flatMap { Int($0) })
        XCTAssertTrue((1790...1800).contains(retryAfter), "Retry-After \(retryAfter)")
        XCTAssertEqual(details?["retry_after"] as? Int, retryAfter)
        let message = (byHour.jsonObject?["error"] as? [String: Any])?["message"] as? String
        XCTAssertEqual(message, "Rate limit exceeded. Try again in \(retryAfter) seconds")
        XCTAssertEqual(byHour.header("X-RateLimit-Remaining"), "0")
        XCTAssertEqual(byHour.header("X-RateLimit-Remaining-Burst"), "0")
        let reset = try XCTUnwrap(byHour.header("X-RateLimit-Reset").flatMap { Int($0) })
        XCTAssertTrue((unixSeconds() + 3590...unixSeconds() + 3601).contains(reset), "the hour bucket is full again in about an hour: \(reset - unixSeconds()) s")
    }
}
