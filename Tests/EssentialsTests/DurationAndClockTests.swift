import Essentials
import XCTest

final class DurationAndClockTests: XCTestCase {
    func testWholeUnitsTruncateTowardZero() {
        let duration = Duration.nanoseconds(1_999_999_999)
        XCTAssertEqual(duration.wholeNanoseconds, 1_999_999_999)
        XCTAssertEqual(duration.wholeMicroseconds, 1_999_999)
        XCTAssertEqual(duration.wholeMilliseconds, 1_999)
        XCTAssertEqual(Duration.nanoseconds(-1_500_000).wholeMilliseconds, -1)
        XCTAssertEqual(Duration.seconds(-3).wholeMicroseconds, -3_000_000)
    }

    func testWholeUnitsSaturateInsteadOfTrapping() {
        XCTAssertEqual(Duration.seconds(Int64.max).wholeNanoseconds, Int64.max)
        XCTAssertEqual(Duration.seconds(Int64.min).wholeNanoseconds, Int64.min)
        XCTAssertEqual(Duration.seconds(Int64.max / 1_000_000_000).wholeNanoseconds, Int64.max / 1_000_000_000 * 1_000_000_000)
        XCTAssertEqual((Duration.seconds(Int64.max / 1_000) + .milliseconds(999)).wholeMilliseconds, Int64.max)
        XCTAssertEqual(Duration.seconds(Int64.max).wholeMilliseconds, Int64.max)
    }

    func testTheClocksReadNow() {
        let wall = SystemTime.wallNanoseconds()
        XCTAssertGreaterThan(wall, 1_700_000_000 * 1_000_000_000)
        XCTAssertEqual(Double(SystemTime.wallSeconds()), Double(wall / 1_000_000_000), accuracy: 2)
        let first = SystemTime.monotonicNanoseconds()
        XCTAssertGreaterThan(first, 0)
        XCTAssertGreaterThanOrEqual(SystemTime.monotonicNanoseconds(), first)
    }
}
