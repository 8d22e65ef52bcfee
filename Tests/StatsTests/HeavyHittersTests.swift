import XCTest
@testable import Stats

final class HeavyHittersTests: XCTestCase {
    private func sketch(capacity: Int, _ stream: [(String, Int)]) -> HeavyHitters {
        var sketch = HeavyHitters(capacity: capacity)
        for (identity, times) in stream {
            for _ in 0..<times { sketch.record(identity) }
        }
        return sketch
    }

    func testCountsAreExactAndOrderedWhileWithinCapacity() {
        let counted = sketch(capacity: 8, [("b", 3), ("a", 5), ("c", 3), ("d", 1)])
        XCTAssertEqual(counted.top(10), [
            .init(identity: "a", count: 5), .init(identity: "b", count: 3), .init(identity: "c", count: 3),
            .init(identity: "d", count: 1),
        ], "largest first, equal counts by identity")
        XCTAssertEqual(counted.top(2).map(\.identity), ["a", "b"])
        XCTAssertEqual(counted.top(0), [])
    }

    func testMemoryStaysBoundedAndHeavyIdentitiesSurviveAFloodOfDistinctOnes() {
        var counted = HeavyHitters(capacity: 8)
        for round in 0..<1000 {
            counted.record("heavy")
            if round % 2 == 0 { counted.record("second") }
            counted.record("one-off-\(round)")
            counted.record("another-\(round)")
        }
        XCTAssertEqual(counted.count, 8, "never more identities than the capacity")
        let top = counted.top(2)
        XCTAssertEqual(top.map(\.identity), ["heavy", "second"])
        // Space-saving guarantees: the count over-estimates by at most `error`, and error ≤ N / capacity.
        let recorded: UInt64 = 1000 + 500 + 2000
        XCTAssertGreaterThanOrEqual(top[0].count, 1000)
        XCTAssertLessThanOrEqual(top[0].count - top[0].error, 1000)
        XCTAssertLessThanOrEqual(top[0].error, recorded / 8)
        XCTAssertGreaterThanOrEqual(top[1].count, 500)
        XCTAssertLessThanOrEqual(top[1].count - top[1].error, 500)
    }

    func testANewIdentityReplacesTheSmallestAndInheritsItsCount() {
        var counted = sketch(capacity: 2, [("a", 3), ("b", 1)])
        counted.record("c")
        XCTAssertEqual(counted.top(10), [.init(identity: "a", count: 3), .init(identity: "c", count: 2, error: 1)])
    }

    func testMergingSumsSharedIdentitiesAndKeepsTheLargestWithinCapacity() {
        var first = sketch(capacity: 3, [("a", 4), ("b", 2), ("c", 1)])
        let second = sketch(capacity: 3, [("b", 5), ("d", 3), ("e", 1)])
        first.merge(second)
        XCTAssertEqual(first.count, 3)
        XCTAssertEqual(first.top(10), [.init(identity: "b", count: 7), .init(identity: "a", count: 4), .init(identity: "d", count: 3)])
        first.record("b")
        XCTAssertEqual(first.top(1), [.init(identity: "b", count: 8)], "a merged sketch keeps counting")
    }
}
