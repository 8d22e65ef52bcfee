import RateLimiter
import XCTest

final class RedisScriptTests: XCTestCase {
    func testArgumentsNameEveryLimitWithRequestsAndWindowInMilliseconds() {
        XCTAssertEqual(
            RedisTokenBucketScript.arguments(for: LimitPlan(rules: defaultLimits)),
            ["2", "hour", "100", "3600000", "minute", "10", "60000"])
    }

    func testReplyBecomesTheSameDecisionAsTheMemoryStoreWould() throws {
        let plan = LimitPlan(rules: defaultLimits)
        // What the script answered, checked against redis-server 7: the 11th request within a minute.
        let values: [Int64] = [0, startSeconds * 1_000, 36_000_000, 600_000]
        let decision = RateLimitDecision(try XCTUnwrap(RedisTokenBucketScript.reply(values, plan: plan)))
        XCTAssertFalse(decision.admitted)
        XCTAssertEqual(decision.remaining, [90, 0])
        XCTAssertEqual(decision.retryAfterSeconds, 6)
        XCTAssertEqual(decision.resetUnixSeconds, startSeconds + 360)
    }

    func testMalformedRepliesAreRejected() {
        let plan = LimitPlan(rules: defaultLimits)
        XCTAssertNil(RedisTokenBucketScript.reply([1, 0, 0], plan: plan))
        XCTAssertNil(RedisTokenBucketScript.reply([2, 0, 0, 0], plan: plan))
    }

    func testScriptReadsRedisTimeAndWritesIntegersExactly() {
        XCTAssertTrue(RedisTokenBucketScript.source.contains("redis.call('TIME')"))
        XCTAssertTrue(RedisTokenBucketScript.source.contains("string.format('%d', deficits[i])"))
    }
}
