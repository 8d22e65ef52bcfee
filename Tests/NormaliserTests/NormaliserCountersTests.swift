import XCTest
@testable import Normaliser

final class NormaliserCountersTests: XCTestCase {
    func testCountsPerShapeAndInTotal() {
        let counters = NormaliserCounters()
        counters.record(.nestjs)
        counters.record(.other)
        counters.record(.other)
        XCTAssertEqual(counters.count(of: .nestjs), 1)
        XCTAssertEqual(counters.count(of: .other), 2)
        XCTAssertEqual(counters.count(of: .problemJSON), 0)
        XCTAssertEqual(counters.rewritten, 3)
        XCTAssertEqual(counters.byShape.map { $0.shape.rawValue }, ["nestjs", "error_string", "error_object", "problem_json", "other"])
        XCTAssertEqual(counters.byShape.map(\.count), [1, 0, 0, 0, 2])
    }

    func testConcurrentRecordsAreNotLost() {
        let counters = NormaliserCounters()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for _ in 0..<10_000 { counters.record(worker.isMultiple(of: 2) ? .errorString : .errorObject) }
        }
        XCTAssertEqual(counters.count(of: .errorString), 40_000)
        XCTAssertEqual(counters.count(of: .errorObject), 40_000)
    }
}
