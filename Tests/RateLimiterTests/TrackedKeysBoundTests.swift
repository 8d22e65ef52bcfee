import XCTest
@testable import RateLimiter

/// `max_tracked_keys`: the memory store forgets its least recently used identities past its bound.
final class TrackedKeysBoundTests: XCTestCase {
    /// 1,000,000 requests per hour: no decision is ever refused, so a row's deficit counts its takes.
    private let generous = LimitPlan(rules: [LimitRule(name: "hour", requests: 1_000_000, per: .seconds(3600))])
    private let now: Int64 = startSeconds * 1_000

    /// Takes from the identity with hash (`low`, 1) and returns how many takes its row has counted.
    private func takes(_ table: BucketTable, _ low: UInt64, at time: Int64? = nil) -> Int64 {
        let reply = table.take(low: low, high: 1, now: time ?? now)
        return reply.deficits[0] / generous.shapes[0].tokenUnits
    }

    func testTheLeastRecentlyUsedIdentityIsForgottenFirst() {
        let table = BucketTable(plan: generous, maxCount: 3)
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
        let table = BucketTable(plan: generous, maxCount: 2)
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
        let table = BucketTable(plan: generous, maxCount: bound)
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

    func testSharesOfTheBoundAddUpToIt() {
        for maximum in [64, 100, 1000, 1_000_000, 99_999_999] {
            let shares = (0..<MemoryStore.shardCount).map { MemoryStore.shardShare($0, of: maximum) }
            XCTAssertEqual(shares.reduce(0, +), maximum)
            XCTAssertLessThanOrEqual(shares.max()! - shares.min()!, 1)
        }
    }

    func testTheStoreNeverTracksMoreThanItsBoundAndCountsTheEvicted() {
        let clock = ManualClock(nanoseconds: startSeconds * 1_000_000_000)
        let limiter = RateLimiter(limits: defaultLimits, store: MemoryStore(maxTrackedKeys: 1000), clock: clock)
        for index in 0..<3000 {
            _ = limiter.decide(identity: "invented-\(index)")
            XCTAssertLessThanOrEqual(limiter.trackedKeys, 1000)
        }
        XCTAssertEqual(limiter.trackedKeys, 1000)
        XCTAssertEqual(limiter.evictedKeys, 2000)
        XCTAssertEqual(limiter.decide(identity: "invented-2999").remaining, [98, 8], "the most recent kept its state")
        XCTAssertEqual(limiter.decide(identity: "invented-0").remaining, [99, 9], "the first was forgotten")
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
