import RateLimiter
import RedisStore
import TestSupport
import XCTest

final class RedisRateLimitClientTests: XCTestCase {
    private var redis: RedisTestServer!
    private var loop: TestEventLoop!
    private let tenPerMinute = LimitPlan(rules: [LimitRule(name: "minute", requests: 10, per: .seconds(60))])

    override func setUpWithError() throws {
        redis = try RedisTestServer()
        loop = TestEventLoop()
    }

    override func tearDown() {
        redis?.kill()
        redis = nil
        loop = nil
    }

    // MARK: - Helpers

    /// Completions of `decide`, in arrival order (nil: no decision).
    private final class Completions {
        var results: [RateLimitDecision?] = []
        var count: Int { results.count }
        var admitted: Int { results.filter { $0?.admitted == true }.count }
    }

    private func client(
        timeout: Duration = .milliseconds(500), reconnectInterval: Duration = .seconds(1), port: UInt16? = nil
    ) -> RedisRateLimitClient {
        RedisRateLimitClient(
            loop: loop.loop, host: "127.0.0.1", port: port ?? redis.port, timeout: timeout,
            reconnectInterval: reconnectInterval)
    }

    /// One decision, waited for on the loop; fails the test when no completion comes within 5 s.
    private func decide(
        _ client: RedisRateLimitClient, _ identity: String, _ plan: LimitPlan,
        file: StaticString = #filePath, line: UInt = #line
    ) -> RateLimitDecision? {
        let completions = Completions()
        client.decide(identity: identity, plan: plan) { completions.results.append($0) }
        XCTAssertTrue(loop.run { completions.count > 0 }, "no completion", file: file, line: line)
        return completions.results.first ?? nil
    }

    // MARK: - Decisions

    func testOneKeyCountsDownFromNineAndRefusesTheEleventhRequest() throws {
        let client = client()
        var remaining: [Int] = []
        for _ in 1...10 {
            let decision = try XCTUnwrap(decide(client, "key-a", tenPerMinute))
            XCTAssertTrue(decision.admitted)
            remaining.append(decision.remaining(limit: 0))
        }
        XCTAssertEqual(remaining, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
        let refused = try XCTUnwrap(decide(client, "key-a", tenPerMinute))
        XCTAssertFalse(refused.admitted)
        XCTAssertEqual(refused.remaining, [0])
        XCTAssertEqual(refused.retryAfterSeconds, 6)
        XCTAssertTrue(refused.headerText.contains("X-RateLimit-Remaining: 0"))
        let other = try XCTUnwrap(decide(client, "key-b", tenPerMinute))
        XCTAssertEqual(other.remaining, [9], "another identity has its own buckets")
    }

    func testTwoClientsOnOneKeyAdmitExactlyTheCapacityTogether() {
        let first = client()
        let second = client()
        let completions = Completions()
        for _ in 0..<15 {
            first.decide(identity: "shared", plan: tenPerMinute) { completions.results.append($0) }
            second.decide(identity: "shared", plan: tenPerMinute) { completions.results.append($0) }
        }
        XCTAssertTrue(loop.run { completions.count == 30 })
        XCTAssertEqual(completions.results.filter { $0 == nil }.count, 0)
        XCTAssertEqual(completions.admitted, 10)
        XCTAssertEqual(first.connectAttempts + second.connectAttempts, 2, "two connections, as two instances")
    }

    func testLoweredCapacityOnTheSameKeyIsClamped() throws {
        let client = client()
        for _ in 1...2 { _ = decide(client, "key", tenPerMinute) }
        let fivePerMinute = LimitPlan(rules: [LimitRule(name: "minute", requests: 5, per: .seconds(60))])
        let decision = try XCTUnwrap(decide(client, "key", fivePerMinute))
        XCTAssertTrue(decision.admitted)
        XCTAssertEqual(decision.remaining, [4], "8 tokens clamped to the new capacity of 5, then one taken")
        XCTAssertTrue(decision.headerText.contains("X-RateLimit-Limit: 5"))
    }

    func testFlushedScriptIsSentAgainWithItsSource() throws {
        let client = client()
        XCTAssertEqual(try XCTUnwrap(decide(client, "key", tenPerMinute)).remaining, [9])
        XCTAssertEqual(redis.cli("SCRIPT", "FLUSH"), "OK")
        XCTAssertEqual(try XCTUnwrap(decide(client, "key", tenPerMinute)).remaining, [8])
        XCTAssertEqual(redis.cli("SCRIPT", "EXISTS", try XCTUnwrap(client.scriptSHA)), "1")
    }

    func testScriptIsNamedByTheDigestRedisAnswersToScriptLoad() throws {
        let client = client()
        XCTAssertNil(client.scriptSHA)
        XCTAssertEqual(try XCTUnwrap(decide(client, "key", tenPerMinute)).remaining, [9], "sent with its source")
        XCTAssertTrue(loop.run { client.scriptSHA != nil })
        XCTAssertEqual(client.scriptSHA, redis.cli("SCRIPT", "LOAD", RedisTokenBucketScript.source))
        XCTAssertEqual(try XCTUnwrap(decide(client, "key", tenPerMinute)).remaining, [8])
        XCTAssertTrue(redis.cli("INFO", "commandstats").contains("cmdstat_evalsha:calls=1,"), "then named by the digest")
    }

    // MARK: - Keys

    func testKeyHoldsAHashOfTheIdentityAndExpiresOnceTheBucketsAreFull() throws {
        let twoPerSecond = LimitPlan(rules: [LimitRule(name: "second", requests: 2, per: .seconds(1))])
        let client = client()
        XCTAssertEqual(try XCTUnwrap(decide(client, "secret-api-key", twoPerSecond)).remaining, [1])
        let key = RedisRateLimitKey.key(for: "secret-api-key")
        XCTAssertEqual(redis.cli("KEYS", "*"), key, "one key, namespaced, without the raw identity")
        XCTAssertFalse(key.contains("secret"))
        let millisecondsToLive = try XCTUnwrap(Int(redis.cli("PTTL", key)))
        XCTAssertGreaterThan(millisecondsToLive, 0)
        XCTAssertLessThanOrEqual(millisecondsToLive, 500, "half a bucket refills in 500 ms")
        loop.run(for: .milliseconds(1_500))  // Redis's own clock expires the key
        XCTAssertEqual(redis.cli("EXISTS", key), "0")
    }

    // MARK: - Failures

    func testErrorReplyCompletesWithNil() throws {
        let strict = try RedisTestServer(extraArguments: ["--rename-command", "EVAL", "", "--rename-command", "EVALSHA", ""])
        defer { strict.kill() }
        let client = client(port: strict.port)
        XCTAssertNil(decide(client, "key", tenPerMinute), "ERR unknown command is no decision")
        XCTAssertNil(decide(client, "key", tenPerMinute))
        XCTAssertEqual(client.connectAttempts, 1, "an error reply keeps the connection")
    }

    func testReplyOfTheWrongShapeCompletesWithNil() throws {
        let server = try CannedReplyServer(reply: "*1\r\n:1\r\n")
        XCTAssertNil(decide(client(port: server.port), "key", tenPerMinute))
    }


    func testStoppedRedisCompletesWithNilPromptly() throws {
        let client = client(timeout: .milliseconds(200))
        XCTAssertNotNil(decide(client, "key", tenPerMinute))
        redis.kill()
        let start = ContinuousClock.now
        XCTAssertNil(decide(client, "key", tenPerMinute))
        XCTAssertLessThan(ContinuousClock.now - start, .milliseconds(700), "not a hang")
        XCTAssertNil(decide(client, "key", tenPerMinute), "still down: nil again")
    }

    func testPausedRedisCompletesWithNilWithinTheTimeoutAndOnlyOnce() throws {
        let client = client(timeout: .milliseconds(200))
        XCTAssertNotNil(decide(client, "key", tenPerMinute))
        redis.freeze()
        defer { redis.thaw() }
        let completions = Completions()
        let start = ContinuousClock.now
        client.decide(identity: "key", plan: tenPerMinute) { completions.results.append($0) }
        XCTAssertTrue(loop.run { completions.count > 0 })
        let elapsed = ContinuousClock.now - start
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(190))
        XCTAssertLessThan(elapsed, .milliseconds(700), "about the timeout, not a hang")
        XCTAssertEqual(completions.results.count, 1)
        XCTAssertNil(completions.results[0] ?? nil)
        redis.thaw()  // the late reply arrives and is ignored
        loop.run(for: .milliseconds(300))
        XCTAssertEqual(completions.count, 1)
    }

    func testRedisThatStopsAnsweringIsDroppedAfterASecondWithoutProgressAndReconnected() throws {
        let client = client(timeout: .milliseconds(200), reconnectInterval: .milliseconds(100))
        XCTAssertNotNil(decide(client, "key", tenPerMinute))
        redis.freeze()
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .milliseconds(1_300) {
            XCTAssertNil(decide(client, "key", tenPerMinute))
        }
        redis.thaw()
        loop.run(for: .milliseconds(150))  // past the pause between attempts
        // Redis still runs what it had received before the drop: timed-out requests may have taken tokens.
        XCTAssertNotNil(decide(client, "key", tenPerMinute))
        XCTAssertEqual(client.connectAttempts, 2, "the stalled connection was replaced")
    }

    func testRestartedRedisDecidesAgain() throws {
        let client = client(timeout: .milliseconds(200), reconnectInterval: .milliseconds(100))
        XCTAssertEqual(try XCTUnwrap(decide(client, "key", tenPerMinute)).remaining, [9])
        redis.kill()
        XCTAssertNil(decide(client, "key", tenPerMinute))
        try redis.start()
        var decision: RateLimitDecision?
        let start = ContinuousClock.now
        while decision == nil && ContinuousClock.now - start < .seconds(5) {
            decision = decide(client, "key", tenPerMinute)
            if decision == nil { loop.run(for: .milliseconds(50)) }
        }
        XCTAssertEqual(try XCTUnwrap(decision).remaining, [9], "a fresh server starts the bucket full")
    }

    func testFailedConnectionIsNotRetriedWithinTheInterval() {
        redis.kill()
        let client = client(timeout: .milliseconds(200), reconnectInterval: .seconds(30))
        var results: [RateLimitDecision?] = []
        for _ in 0..<20 {
            results.append(decide(client, "key", tenPerMinute))
        }
        XCTAssertEqual(results.count, 20)
        XCTAssertEqual(results.compactMap { $0 }.count, 0)
        XCTAssertEqual(client.connectAttempts, 1)
    }

    func testDefaultIntervalBetweenConnectionAttemptsIsOneSecond() {
        redis.kill()
        let client = RedisRateLimitClient(loop: loop.loop, host: "127.0.0.1", port: redis.port, timeout: .seconds(1))
        XCTAssertNil(decide(client, "key", tenPerMinute))
        XCTAssertNil(decide(client, "key", tenPerMinute))
        XCTAssertEqual(client.connectAttempts, 1)
        loop.run(for: .milliseconds(1_050))
        XCTAssertNil(decide(client, "key", tenPerMinute))
        XCTAssertEqual(client.connectAttempts, 2)
    }

    func testDroppedClientCompletesItsWaitingDecisionsWithNilOnce() {
        var client: RedisRateLimitClient? = client()
        let completions = Completions()
        client?.decide(identity: "key", plan: tenPerMinute) { completions.results.append($0) }
        client?.decide(identity: "key", plan: tenPerMinute) { completions.results.append($0) }
        XCTAssertEqual(completions.count, 0, "never before decide returns")
        client = nil
        loop.run(for: .milliseconds(200))
        XCTAssertEqual(completions.count, 2)
        XCTAssertEqual(completions.results.compactMap { $0 }.count, 0)
    }
}
