import Essentials
import XCTest

final class IMFFixdateTests: XCTestCase {
    func testFormatsKnownInstants() {
        XCTAssertEqual(IMFFixdate.format(unixSeconds: 0), "Thu, 01 Jan 1970 00:00:00 GMT")
        XCTAssertEqual(IMFFixdate.format(unixSeconds: 1_795_257_000), "Sat, 21 Nov 2026 10:30:00 GMT")
        XCTAssertEqual(IMFFixdate.format(unixSeconds: 951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT")
        XCTAssertEqual(IMFFixdate.format(unixSeconds: 784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT", "RFC 9110's example")
    }

    func testTheCurrentDateIsCachedPerSecond() {
        let date = CurrentHTTPDate()
        let first = date.current
        XCTAssertTrue(first.hasSuffix(" GMT"))
        XCTAssertEqual(first.count, 29)
        XCTAssertEqual(date.current.prefix(16), first.prefix(16))
    }

    func testCivilDatesRoundTripAndKnowTheirWeekday() {
        for days: Int64 in [-719_468, -1, 0, 1, 10_957, 11_016, 20_779, 2_932_896] {
            let date = CivilDate(daysSinceEpoch: days)
            XCTAssertEqual(date.daysSinceEpoch, days)
            XCTAssertEqual(date.weekday, Int(((days % 7) + 7 + 4) % 7), "\(days)")
        }
        XCTAssertEqual(CivilDate(daysSinceEpoch: -1), CivilDate(year: 1969, month: 12, day: 31))
        XCTAssertEqual(CivilDate.daysIn(month: 2, year: 2000), 29)
        XCTAssertEqual(CivilDate.daysIn(month: 2, year: 2100), 28)
    }
}
