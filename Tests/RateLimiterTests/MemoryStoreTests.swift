import Foundation
import RateLimiter
import XCTest

final class MemoryStoreTests: XCTestCase {
    func testSweepDropsIdentitiesOnlyOnceAllTheirBucketsAreFull() {
        let (limiter, clock) = makeLimiter()
        for name in ["a", "b", "c"] { _ = limiter.decide(identity: name) }
        XCTAssertEqual(limiter.trackedKeys, 3)
        clock.advance(by: .seconds(30))
        limiter.sweep()
        XCTAssertEqual(limiter.trackedKeys, 3, "the hourly buckets refill one token in 36 s")
        clock.advance(by: .seconds(6))
        limiter.sweep()
        XCTAssertEqual(limiter.trackedKeys, 0)
        XCTAssertEqual(limiter.decide(identity: "a").remaining, [99, 9], "a dropped identity starts full")
    }

    func testSweepDropsIdleIdentitiesAndKeepsBusyOnes() {
        let (limiter, clock) = makeLimiter()
        _ = limiter.admittedCount("busy", attempts: 10)
        _ = limiter.decide(identity: "idle")
        clock.advance(by: .seconds(40))
        limiter.sweep()
        XCTAssertEqual(limiter.trackedKeys, 1)
        XCTAssertEqual(limiter.decide(identity: "busy").remaining, [90, 5], "the sweep kept the busy identity's state")
    }

    func testFullRowsAreDroppedWhenAShardNeedsRoomWithoutASweep() {
        let (limiter, clock) = makeLimiter()
        for index in 0..<2000 { _ = limiter.decide(identity: "old-\(index)") }
        clock.advance(by: .seconds(7200))
        for index in 0..<2000 { _ = limiter.decide(identity: "new-\(index)") }
        XCTAssertLessThan(limiter.trackedKeys, 4000)
        XCTAssertGreaterThanOrEqual(limiter.trackedKeys, 2000)
    }

    func testManyIdentitiesKeepTheirOwnState() {
        let (limiter, _) = makeLimiter()
        for index in 0..<20_000 { _ = limiter.decide(identity: "key-\(index)") }
        XCTAssertEqual(limiter.trackedKeys, 20_000)
        for index in stride(from: 0, to: 20_000, by: 7) {
            XCTAssertEqual(limiter.decide(identity: "key-\(index)").remaining, [98, 8])
        }
    }

    func testThreadsHammeringOneKeyAdmitExactlyTheCapacity() {
        let (limiter, _) = makeLimiter([
            LimitRule(name: "hour", requests: 1000, per: .seconds(3600)),
            LimitRule(name: "minute", requests: 500, per: .seconds(60)),
        ])
        let admitted = runOnThreads(8) { _ in limiter.admittedCount("shared", attempts: 400) }
        XCTAssertEqual(admitted, 500)
    }

    func testThreadsSharingManyKeysAdmitExactlyTheCapacityOfEach() {
        let (limiter, _) = makeLimiter()
        let admitted = runOnThreads(8) { thread in
            var count = 0
            for round in 0..<12 {
                for index in 0..<1000 where limiter.decide(identity: "key-\((index + thread * 125 + round) % 1000)").admitted {
                    count += 1
                }
            }
            return count
        }
        XCTAssertEqual(admitted, 10 * 1000)
        XCTAssertEqual(limiter.trackedKeys, 1000)
    }

    func testReloadsDuringConcurrentDecisionsNeitherLoseNorAddTokens() {
        let minute = LimitRule(name: "minute", requests: 50, per: .seconds(60))
        let (limiter, _) = makeLimiter([LimitRule(name: "hour", requests: 1000, per: .seconds(3600)), minute])
        let admitted = runOnThreads(4) { thread in
            if thread == 0 {
                for round in 0..<200 {
                    let hour = LimitRule(name: "hour", requests: 1000 + round % 2 * 1000, per: .seconds(3600))
                    limiter.reconfigure(limits: [hour, minute])
                }
                return 0
            }
            return limiter.admittedCount("shared", attempts: 100)
        }
        XCTAssertEqual(admitted, 50)
    }

    /// Runs `body` on `count` threads started together and sums what they return.
    private func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Int) -> Int {
        let results = ResultBox(count)
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for index in 0..<count {
            done.enter()
            let thread = Thread {
                start.wait()
                results.set(index, body(index))
                done.leave()
            }
            thread.start()
        }
        for _ in 0..<count { start.signal() }
        done.wait()
        return results.sum
    }
}

/// Per-thread results, written under a lock.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int]

    init(_ count: Int) { values = Array(repeating: 0, count: count) }

    func set(_ index: Int, _ value: Int) { lock.withLock { values[index] = value } }

    var sum: Int { lock.withLock { values.reduce(0, +) } }
}
