import RateLimiter
import XCTest

final class TokenBucketTests: XCTestCase {
    func testFirstRequestsCountDownRemainingOfEveryLimit() {
        let (limiter, _) = makeLimiter()
        for expected in 0..<10 {
            let decision = limiter.decide(identity: "key")
            XCTAssertTrue(decision.admitted)
            XCTAssertEqual(decision.remaining, [99 - expected, 9 - expected])
        }
    }

    func testRefillIsContinuousAtRequestsPerWindow() {
        let (limiter, clock) = makeLimiter([LimitRule(name: "minute", requests: 10, per: .seconds(60))])
        XCTAssertEqual(limiter.admittedCount("key", attempts: 10), 10)
        XCTAssertFalse(limiter.decide(identity: "key").admitted)
        clock.advance(by: .seconds(3))
        XCTAssertFalse(limiter.decide(identity: "key").admitted, "half a token is not a token")
        clock.advance(by: .seconds(3))
        XCTAssertTrue(limiter.decide(identity: "key").admitted, "one token refills every 6 seconds")
        XCTAssertFalse(limiter.decide(identity: "key").admitted)
        clock.advance(by: .seconds(30))
        XCTAssertEqual(limiter.admittedCount("key", attempts: 10), 5)
    }

    func testRefillStopsAtCapacity() {
        let (limiter, clock) = makeLimiter([LimitRule(name: "minute", requests: 10, per: .seconds(60))])
        XCTAssertTrue(limiter.decide(identity: "key").admitted)
        clock.advance(by: .seconds(7200))
        XCTAssertEqual(limiter.decide(identity: "key").remaining, [9])
        XCTAssertEqual(limiter.admittedCount("key", attempts: 20), 9)
    }

    func testBurstLimitRefusesWhileHourlyTokensRemain() throws {
        let (limiter, _) = makeLimiter()
        XCTAssertEqual(limiter.admittedCount("key", attempts: 10), 10)
        let refused = limiter.decide(identity: "key")
        XCTAssertFalse(refused.admitted)
        XCTAssertEqual(refused.remaining, [90, 0])
        XCTAssertEqual(refused.refusingLimit, 1)
        XCTAssertEqual(refused.retryAfterSeconds, 6)
        let refusal = try XCTUnwrap(refused.refusal)
        XCTAssertEqual(refusal, Refusal(retryAfter: 6, limit: 10, window: "1 minute"))
        XCTAssertEqual(refusal.message, "Rate limit exceeded. Try again in 6 seconds")
    }

    func testHourlyLimitRefusesWhileBurstTokensRemain() {
        let (limiter, clock) = makeLimiter([
            LimitRule(name: "hour", requests: 5, per: .seconds(3600)),
            LimitRule(name: "minute", requests: 10, per: .seconds(60)),
        ])
        XCTAssertEqual(limiter.admittedCount("key", attempts: 5), 5)
        let refused = limiter.decide(identity: "key")
        XCTAssertFalse(refused.admitted)
        XCTAssertEqual(refused.remaining, [0, 5])
        XCTAssertEqual(refused.refusingLimit, 0)
        XCTAssertEqual(refused.retryAfterSeconds, 720)
        XCTAssertEqual(refused.refusal?.window, "1 hour")
        clock.advance(by: .seconds(719))
        XCTAssertFalse(limiter.decide(identity: "key").admitted)
        clock.advance(by: .seconds(1))
        XCTAssertTrue(limiter.decide(identity: "key").admitted)
    }

    func testRetryAfterNamesTheBucketWhoseRefillTakesLongest() {
        let (limiter, _) = makeLimiter([
            LimitRule(name: "minute", requests: 2, per: .seconds(60)),
            LimitRule(name: "second", requests: 2, per: .seconds(1)),
        ])
        XCTAssertEqual(limiter.admittedCount("key", attempts: 2), 2)
        let refused = limiter.decide(identity: "key")
        XCTAssertEqual(refused.refusingLimit, 0)
        XCTAssertEqual(refused.retryAfterSeconds, 30)
    }

    func testRefusedRequestsTakeNothing() {
        let (limiter, clock) = makeLimiter()
        XCTAssertEqual(limiter.admittedCount("key", attempts: 10), 10)
        XCTAssertEqual(limiter.admittedCount("key", attempts: 50), 0)
        clock.advance(by: .seconds(6))
        let next = limiter.decide(identity: "key")
        XCTAssertTrue(next.admitted)
        XCTAssertEqual(next.remaining, [89, 0], "refusals must not have spent hourly tokens")
    }

    func testRemainingRoundsDownAndRetryAfterRoundsUp() {
        let (limiter, clock) = makeLimiter([LimitRule(name: "minute", requests: 10, per: .seconds(60))])
        XCTAssertEqual(limiter.admittedCount("key", attempts: 10), 10)
        clock.advance(by: .milliseconds(5999))
        let refused = limiter.decide(identity: "key")
        XCTAssertEqual(refused.remaining, [0])
        XCTAssertEqual(refused.retryAfterSeconds, 1, "1 ms left rounds up to a whole second")
        clock.advance(by: .milliseconds(500))
        XCTAssertEqual(limiter.decide(identity: "key").remaining, [0], "1.08 tokens minus one leaves 0 whole")
    }

    func testRetryAfterIsAtLeastOneSecond() {
        let (limiter, _) = makeLimiter([LimitRule(name: "second", requests: 1000, per: .seconds(1))])
        XCTAssertEqual(limiter.admittedCount("key", attempts: 1000), 1000)
        XCTAssertEqual(limiter.decide(identity: "key").retryAfterSeconds, 1)
    }

    func testResetIsWhenTheStandardBucketIsFullRoundedUp() {
        let (limiter, clock) = makeLimiter()
        clock.advance(by: .milliseconds(500))
        XCTAssertEqual(limiter.decide(identity: "key").resetUnixSeconds, startSeconds + 37, "36.5 s rounds up")
        XCTAssertEqual(limiter.decide(identity: "key").resetUnixSeconds, startSeconds + 73)
    }

    func testClockSteppingBackwardsRefillsNothingAndThenResumes() {
        let (limiter, clock) = makeLimiter()
        XCTAssertEqual(limiter.admittedCount("key", attempts: 10), 10)
        clock.advance(by: .seconds(-3600))
        let refused = limiter.decide(identity: "key")
        XCTAssertFalse(refused.admitted, "a backward step must not refill")
        XCTAssertEqual(refused.remaining, [90, 0])
        clock.advance(by: .seconds(6))
        XCTAssertTrue(limiter.decide(identity: "key").admitted, "refill resumes from the earlier time")
        XCTAssertFalse(limiter.decide(identity: "key").admitted)
    }

    func testIdentitiesHaveSeparateBuckets() {
        let (limiter, _) = makeLimiter()
        XCTAssertEqual(limiter.admittedCount("alice", attempts: 11), 10)
        let other = limiter.decide(identity: "bob")
        XCTAssertTrue(other.admitted)
        XCTAssertEqual(other.remaining, [99, 9])
    }

    func testStringsAndSubstringsNameTheSameIdentity() {
        let (limiter, _) = makeLimiter()
        _ = limiter.decide(identity: "key-0123456789abcdef")
        let second = limiter.decide(identity: "xkey-0123456789abcdef".dropFirst())
        XCTAssertEqual(second.remaining, [98, 8])
    }

    func testTheSystemClockReadsTheCurrentUnixTime() {
        let now = SystemClock().nowNanoseconds()
        XCTAssertGreaterThan(now, startSeconds * 1_000_000_000 - 86_400 * 365 * 1_000_000_000)
    }

    func testNoLimitsAdmitsEverythingWithoutHeadersOrState() {
        let (limiter, _) = makeLimiter([])
        let decision = limiter.decide(identity: "key")
        XCTAssertTrue(decision.admitted)
        XCTAssertEqual(decision.headerText, "")
        XCTAssertEqual(limiter.trackedKeys, 0)
    }
}
