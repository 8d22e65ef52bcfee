import RateLimiter
import XCTest

final class ReloadTests: XCTestCase {
    func testReloadKeepsBucketsOfLimitsThatKeepTheirName() {
        let (limiter, _) = makeLimiter()
        XCTAssertEqual(limiter.admittedCount("key", attempts: 10), 10)
        limiter.reconfigure(limits: defaultLimits)
        let refused = limiter.decide(identity: "key")
        XCTAssertFalse(refused.admitted)
        XCTAssertEqual(refused.remaining, [90, 0])
    }

    func testReloadClampsTokensToALoweredCapacity() {
        let (limiter, clock) = makeLimiter()
        XCTAssertEqual(limiter.admittedCount("key", attempts: 10), 10)
        limiter.reconfigure(limits: [
            LimitRule(name: "hour", requests: 50, per: .seconds(3600)), defaultLimits[1],
        ])
        XCTAssertFalse(limiter.decide(identity: "key").admitted, "the minute bucket is still empty")
        clock.advance(by: .seconds(6))
        let next = limiter.decide(identity: "key")
        XCTAssertTrue(next.admitted)
        XCTAssertEqual(next.remaining, [49, 0])
        XCTAssertTrue(next.headerText.hasPrefix("X-RateLimit-Limit: 50\r\n"))
    }

    func testReloadKeepsTokenCountWhenCapacityOrWindowGrows() {
        let (limiter, clock) = makeLimiter()
        XCTAssertEqual(limiter.admittedCount("key", attempts: 10), 10)
        limiter.reconfigure(limits: [
            LimitRule(name: "hour", requests: 200, per: .seconds(7200)),
            LimitRule(name: "minute", requests: 20, per: .seconds(60)),
        ])
        let refused = limiter.decide(identity: "key")
        XCTAssertFalse(refused.admitted, "an empty bucket stays empty under a larger capacity")
        XCTAssertEqual(refused.remaining, [90, 0])
        clock.advance(by: .seconds(3))
        let next = limiter.decide(identity: "key")
        XCTAssertTrue(next.admitted)
        XCTAssertEqual(next.remaining, [89, 0])
    }

    func testReloadDropsRemovedLimitsAndStartsNewOnesFull() {
        let (limiter, _) = makeLimiter()
        XCTAssertEqual(limiter.admittedCount("key", attempts: 10), 10)
        limiter.reconfigure(limits: [defaultLimits[0], LimitRule(name: "burst", requests: 5, per: .seconds(60))])
        let decision = limiter.decide(identity: "key")
        XCTAssertTrue(decision.admitted)
        XCTAssertEqual(decision.remaining, [89, 4])
        XCTAssertEqual(limiter.limits.map(\.name), ["hour", "burst"])
    }

    func testReloadForgetsIdentitiesWhoseRemainingLimitsAreFull() {
        let (limiter, _) = makeLimiter()
        _ = limiter.decide(identity: "key")
        limiter.reconfigure(limits: [LimitRule(name: "day", requests: 10, per: .seconds(86_400))])
        XCTAssertEqual(limiter.trackedKeys, 0)
    }
}
