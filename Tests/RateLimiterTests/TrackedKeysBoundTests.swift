import XCTest
@testable import RateLimiter

/// `max_tracked_keys`: the memory store forgets its least recently used identities past its bound.
final class TrackedKeysBoundTests: XCTestCase {
    /// 1,000,000 requests per hour: no decision is ever refused, so a row's deficit counts its takes.
    private let generous = LimitPlan(rules: [LimitRule(name: "hour", requests: 1_000_000, per: .seconds(3600))])
    private let now: Int64 = startSeconds * 1_000

    /// 1,000 requests per day, for tests where time passes: a token takes 86.4 s to refill.
    private let slow = LimitPlan(rules: [LimitRule(name: "day", requests: 1_000, per: .seconds(86_400))])

    /// Takes from the identity with hash (`low`, 1) and returns how many takes its row has counted
    /// (whole tokens missing, rounded up: a few seconds refill a fraction of one).
    private func takes(_ table: BucketTable, _ low: UInt64, at time: Int64? = nil) -> Int64 {
        let reply = table.take(low: low, high: 1, now: time ?? now)
        let tokenUnits = table.plan.shapes[0].tokenUnits
        return (reply.deficits[0] + tokenUnits - 1) / tokenUnits
    }

    func testTheLeastRecentlyUsedIdentityIsForgottenFirst() {
        let table = BucketTable(plan: generous, maxCount: 3, promotionMilliseconds: 0)
        for key: UInt64 in [10, 20, 30] { XCTAssertEqual(takes(table, key << 60), 1) }
        XCTAssertEqual(takes(table, 10 << 60), 2, "10 is now the most recent; 20 the least")
        XCTAssertEqual(takes(table, 40 << 60), 1)
        XCTAssertEqual(table.count, 3)
        XCTAssertEqual(table.evicted, 1)
        XCTAssertEqual(takes(table, 30 << 60), 2, "30 kept its state")
        XCTAssertEqual(takes(table, 10 << 60), 3, "10 kept its state")
        XCTAssertEqual(takes(table, 20 << 60), 1, "20 was forgotten and starts again (evicting 40)")
        XCTAssertEqual(takes(table, 40 << 60), 1, "40 was the least recent")
        XCTAssertEqual(table.evicted, 3)
    }

    func testAnIdentityWhoseBucketsHadRefilledIsDroppedWithoutCountingAsEvicted() {
        let table = BucketTable(plan: generous, maxCount: 2, promotionMilliseconds: 0)
        _ = takes(table, 1 << 60)
        _ = takes(table, 2 << 60)
        let later = now + 3_600_000
        XCTAssertEqual(takes(table, 3 << 60, at: later), 1)
        XCTAssertEqual(table.count, 2)
        XCTAssertEqual(table.evicted, 0, "identity 1 held nothing any more")
    }

    /// Colliding homes and a small table exercise removal from the middle of probe runs: every
    /// identity the reference model remembers must keep its count, every other must start again.
    func testBoundHoldsAndStateSurvivesRemovalsAgainstAReferenceModel() {
        let bound = 40
        let table = BucketTable(plan: generous, maxCount: bound, promotionMilliseconds: 0)
        var model: [UInt64] = []          // least recent first
        var counts: [UInt64: Int64] = [:]
        var generator = SystemRandomNumberGenerator()
        var evictions = 0
        for _ in 0..<20_000 {
            // 120 identities whose hashes crowd into a few homes (the top bits pick the home).
            let key = UInt64.random(in: 0..<120, using: &generator)
            let low = (key % 6) << 61 | key
            let expected = (counts[low] ?? 0) + 1
            XCTAssertEqual(takes(table, low), expected, "identity \(key)")
            if let index = model.firstIndex(of: low) { model.remove(at: index) }
            model.append(low)
            counts[low] = expected
            if model.count > bound {
                counts[model.removeFirst()] = nil
                evictions += 1
            }
            XCTAssertLessThanOrEqual(table.count, bound)
        }
        XCTAssertEqual(table.count, bound)
        XCTAssertEqual(table.evicted, evictions)
    }

    func testAnIdentityUsedWithinThePromotionIntervalKeepsItsPlaceAndGetsASecondChance() {
        let table = BucketTable(plan: slow, maxCount: 3, promotionMilliseconds: 1_000)
        for (offset, key) in [UInt64(1), 2, 3].enumerated() { _ = takes(table, key << 60, at: now + Int64(offset) * 2_000) }
        // At 4.5 s: 1 was last used 4.5 s ago and moves to the front; 2 (2.5 s ago) then becomes the least recent.
        XCTAssertEqual(takes(table, 1 << 60, at: now + 4_500), 2)
        // At 5 s: 1 is used again 0.5 s later: it keeps its place at the front anyway.
        XCTAssertEqual(takes(table, 1 << 60, at: now + 5_000), 3)
        XCTAssertEqual(takes(table, 4 << 60, at: now + 5_100), 1)
        XCTAssertEqual(table.evicted, 1)
        XCTAssertEqual(takes(table, 2 << 60, at: now + 5_200), 1, "2 was the least recent and was forgotten")
        // Now 3 (used 5.2 s ago) goes, not 1 or 4, though 1 never moved after 4.5 s.
        XCTAssertEqual(takes(table, 1 << 60, at: now + 5_300), 4)
        XCTAssertEqual(takes(table, 4 << 60, at: now + 5_400), 2)
        XCTAssertEqual(table.evicted, 2)

        // Every identity used within the interval: the back ones move to the front, then one is forgotten anyway.
        let busy = BucketTable(plan: generous, maxCount: 8, promotionMilliseconds: 1_000)
        for key in UInt64(1)...8 { _ = takes(busy, key << 59) }
        _ = takes(busy, 9 << 59)
        XCTAssertEqual(busy.count, 8)
        XCTAssertEqual(busy.evicted, 1)
        for key in UInt64(1)...4 { XCTAssertEqual(takes(busy, key << 59), 2, "identity \(key) had a second chance") }
        for key in UInt64(6)...8 { XCTAssertEqual(takes(busy, key << 59), 2, "identity \(key)") }
        XCTAssertEqual(takes(busy, 5 << 59), 1, "after 4 second chances (1-4) the 5th least recent was forgotten")
    }

    func testASweepDroppingRowsFromTheMiddleOfTheListKeepsTheOrderOfTheRest() {
        let table = BucketTable(plan: slow, maxCount: 6, promotionMilliseconds: 0)
        // Light identities (one take, full again after 86.4 s) between heavy ones (500 takes).
        for index in UInt64(1)...3 {
            _ = takes(table, index << 60)
            for _ in 0..<500 { _ = takes(table, (index + 8) << 60) }
        }
        table.sweep(now: now + 100_000)
        XCTAssertEqual(table.count, 3, "the light identities were dropped")
        for index in UInt64(4)...7 { XCTAssertEqual(takes(table, index << 60, at: now + 101_000), 1) }
        XCTAssertEqual(table.evicted, 1)
        XCTAssertEqual(takes(table, 10 << 60, at: now + 102_000), 500, "the second heavy identity kept its state")
        XCTAssertEqual(takes(table, 9 << 60, at: now + 103_000), 1, "the least recent heavy identity was forgotten")
    }

    func testSharesOfTheBoundAddUpToIt() {
        for maximum in [64, 100, 1000, 1_000_000, 99_999_999] {
            let shares = (0..<MemoryStore.shardCount).map { MemoryStore.shardShare($0, of: maximum) }
            XCTAssertEqual(shares.reduce(0, +), maximum)
            XCTAssertLessThanOrEqual(shares.max()! - shares.min()!, 1)
        }
    }

    func testTheStoreNeverTracksMoreThanItsBoundAndCountsTheEvicted() {
        let clock = ManualClock(nanoseconds: startSeconds * 1_000_000_000)
        let tenPerDay = [LimitRule(name: "day", requests: 10, per: .seconds(86_400))]
        let limiter = RateLimiter(limits: tenPerDay, store: MemoryStore(maxTrackedKeys: 1000), clock: clock)
        for index in 0..<3000 {
            _ = limiter.decide(identity: "invented-\(index)")
            XCTAssertLessThanOrEqual(limiter.trackedKeys, 1000)
            clock.advance(by: .seconds(1))
        }
        XCTAssertEqual(limiter.trackedKeys, 1000)
        XCTAssertEqual(limiter.evictedKeys, 2000)
        XCTAssertEqual(limiter.decide(identity: "invented-2999").remaining, [8], "the most recent kept its state")
        XCTAssertEqual(limiter.decide(identity: "invented-0").remaining, [9], "the first was forgotten")
    }

    func testAReloadWithALowerBoundForgetsTheExcessAtOnce() {
        let clock = ManualClock(nanoseconds: startSeconds * 1_000_000_000)
        let limiter = RateLimiter(limits: defaultLimits, store: MemoryStore(maxTrackedKeys: 10_000), clock: clock)
        for index in 0..<3000 { _ = limiter.decide(identity: "key-\(index)") }
        XCTAssertEqual(limiter.trackedKeys, 3000)
        limiter.reconfigure(limits: defaultLimits, maxTrackedKeys: 200)
        XCTAssertEqual(limiter.trackedKeys, 200, "each shard keeps its share (3 or 4) of the 3000")
        XCTAssertEqual(limiter.evictedKeys, 2800)
        limiter.reconfigure(limits: defaultLimits, maxTrackedKeys: 100_000)
        for index in 3000..<4500 { _ = limiter.decide(identity: "key-\(index)") }
        XCTAssertEqual(limiter.trackedKeys, 1700, "the raised bound holds more")
        XCTAssertEqual(limiter.evictedKeys, 2800)
    }
}
