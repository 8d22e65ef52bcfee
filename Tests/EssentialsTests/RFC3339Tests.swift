import XCTest
import Essentials
import Foundation

final class RFC3339Tests: XCTestCase {
    func testFormatsKnownInstants() {
        let cases: [(Int64, String)] = [
            (0, "1970-01-01T00:00:00Z"),
            (1_795_257_000, "2026-11-21T10:30:00Z"),
            (1_705_314_600, "2024-01-15T10:30:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (4_107_542_399, "2100-02-28T23:59:59Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
        ]
        for (seconds, text) in cases {
            XCTAssertEqual(RFC3339.format(unixSeconds: seconds), text)
        }
    }

    func testFormatClampsOutOfRangeTimes() {
        XCTAssertEqual(RFC3339.format(unixSeconds: -5), "1970-01-01T00:00:00Z")
        XCTAssertEqual(RFC3339.format(unixSeconds: .max), "9999-12-31T23:59:59Z")
        XCTAssertEqual(RFC3339.format(unixSeconds: .min), "1970-01-01T00:00:00Z")
    }

    func testValidatesDateTimes() {
        for valid in ["2024-01-15T10:30:00Z", "2024-02-29T23:59:60Z", "2024-01-15t10:30:00.123z", "2024-01-15T10:30:00+02:00", "2024-01-15T10:30:00.5-11:30"] {
            XCTAssertTrue(RFC3339.isValid(valid), valid)
        }
        for invalid in ["", "2024-01-15", "2024-01-15 10:30:00Z", "2023-02-29T10:30:00Z", "2024-13-01T10:30:00Z", "2024-01-15T24:00:00Z",
                        "2024-01-15T10:30:00", "2024-01-15T10:30:00.Z", "2024-01-15T10:30:00+0200", "2024-01-15T10:30:00Zjunk",
                        "<script>alert(1)</script>0000"] {
            XCTAssertFalse(RFC3339.isValid(invalid), invalid)
        }
    }

    func testUTCConvertsOffsetsAndKeepsFractions() {
        let cases: [(String, String?)] = [
            ("2024-01-15T10:30:00Z", "2024-01-15T10:30:00Z"),
            ("2024-01-15t10:30:00.250z", "2024-01-15T10:30:00.250Z"),
            ("2024-01-15T12:30:00+02:00", "2024-01-15T10:30:00Z"),
            ("2024-01-01T01:00:00+05:30", "2023-12-31T19:30:00Z"),
            ("2024-02-28T22:00:00-03:00", "2024-02-29T01:00:00Z"),
            ("2024-01-15T10:30:00-00:00", "2024-01-15T10:30:00Z"),
            ("yesterday", nil),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(RFC3339.utc(text), expected, text)
        }
    }

    func testMillisecondFormattingMatchesFoundation() {
        XCTAssertEqual(RFC3339.format(millis: 0), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(RFC3339.format(millis: -1), "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(RFC3339.format(millis: 951_782_400_000), "2000-02-29T00:00:00.000Z")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let millis = Int64.random(in: 0...4_102_444_800_000, using: &generator)  // up to 2100
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            XCTAssertEqual(RFC3339.format(millis: millis).prefix(19), formatter.string(from: date).prefix(19))
            XCTAssertEqual(RFC3339.format(millis: millis).suffix(4), String(format: "%03d", millis % 1000) + "Z")
        }
        XCTAssertLessThan(abs(SystemTime.wallMilliseconds() - Int64(Date().timeIntervalSince1970 * 1000)), 5_000)
    }

    func testUnixSecondsOfDateTimes() {
        let cases: [(String, Int64?)] = [
            ("1970-01-01T00:00:00Z", 0),
            ("2027-01-01T00:00:00Z", 1_798_761_600),
            ("2027-01-01T01:00:00+01:00", 1_798_761_600),
            ("2026-12-31T19:00:00-05:00", 1_798_761_600),
            ("2027-01-01T00:00:00.999Z", 1_798_761_600),
            ("2024-02-29T12:00:00Z", 1_709_208_000),
            ("1969-12-31T23:59:59Z", -1),
            ("2027-02-29T00:00:00Z", nil),
            ("2027-01-01", nil),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(RFC3339.unixSeconds(text), expected, text)
        }
    }
}
