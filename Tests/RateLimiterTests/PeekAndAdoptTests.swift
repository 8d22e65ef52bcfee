import RateLimiter
import XCTest

/// Reading an identity's buckets without taking (the failed-auth throttle, `GET /keys/<id>`) and moving them to
/// another plan's limiter by limit name (a consumer moved to another plan, SPEC §10).
final class PeekAndAdoptTests: XCTestCase {
    func testPeekTakesNothingAndSaysWhatATakeWouldDecide() {
        let (limiter, clock) = makeLimiter([LimitRule(name: "minute", requests: 2, per: .seconds(60))])
        XCTAssertTrue(limiter.peek(identity: "fresh").admitted)
        XCTAssertEqual(limiter.trackedKeys, 0, "peeking at an unknown identity stores nothing")
        XCTAssertEqual(limiter.admittedCount("key", attempts: 2), 2)
        for _ in 0..<5 {
            let peeked = limiter.peek(identity: "key")
            XCTAssertFalse(peeked.admitted)
            XCTAssertEqual(peeked.refusal?.retryAfter, 30)
        }
        clock.advance(by: .seconds(30))
        XCTAssertTrue(limiter.peek(identity: "key").admitted)
        XCTAssertTrue(limiter.decide(identity: "key").admitted, "peeks took no token")
        XCTAssertFalse(limiter.decide(identity: "key").admitted)
    }

    func testLevelsShowEachBucketsTokensAndReset() {
        let (limiter, clock) = makeLimiter()
        XCTAssertEqual(limiter.admittedCount("key", attempts: 3), 3)
        clock.advance(by: .seconds(6))  // one minute token back
        let levels = limiter.levels(of: "key")
        XCTAssertEqual(levels.map(\.name), ["hour", "minute"])
        XCTAssertEqual(levels.map(\.requests), [100, 10])
        XCTAssertEqual(levels.map(\.perSeconds), [3600, 60])
        XCTAssertEqual(levels.map(\.remaining), [97, 8])
        let now = startSeconds + 6
        XCTAssertEqual(levels[0].resetUnixSeconds, startSeconds + 3 * 36, "three hour tokens, 36 s each, from the start")
        XCTAssertEqual(levels[1].resetUnixSeconds, now + 12, "two minute tokens missing, 6 s each")
        XCTAssertEqual(limiter.levels(of: "unknown").map(\.remaining), [100, 10])
        XCTAssertEqual(limiter.levels(of: "key").map(\.remaining), [97, 8], "reading took nothing")
    }

    func testAdoptMovesBucketsByNameClampedAndStartsOthersFull() {
        let (small, clock) = makeLimiter([
            LimitRule(name: "minute", requests: 5, per: .seconds(60)), LimitRule(name: "day", requests: 100, per: .seconds(86_400)),
        ])
        let large = RateLimiter(limits: [
            LimitRule(name: "minute", requests: 50, per: .seconds(60)), LimitRule(name: "hour", requests: 1000, per: .seconds(3600)),
        ], store: MemoryStore(), clock: clock)
        let tiny = RateLimiter(limits: [LimitRule(name: "minute", requests: 1, per: .seconds(60))], store: MemoryStore(), clock: clock)
        XCTAssertEqual(small.admittedCount("mover", attempts: 3), 3)
        large.adopt(identity: "mover", from: small)
        XCTAssertEqual(large.levels(of: "mover").map(\.remaining), [2, 1000], "minute keeps its 2 tokens; hour starts full")
        tiny.adopt(identity: "mover", from: small)
        XCTAssertEqual(tiny.levels(of: "mover").map(\.remaining), [1], "clamped to the new capacity")
        large.adopt(identity: "untouched", from: small)
        XCTAssertEqual(large.trackedKeys, 1, "an identity with full buckets moves nothing")
    }
}
