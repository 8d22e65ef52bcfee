@testable import Config
import XCTest

final class QuantityAndAddressTests: XCTestCase {
    func testDurationsWithUnitsAndPlainSeconds() throws {
        let cases: [(String, Duration)] = [
            ("250ms", .milliseconds(250)), ("10s", .seconds(10)), ("1m", .seconds(60)), ("1h", .seconds(3600)),
            ("2d", .seconds(172_800)), ("1.5s", .milliseconds(1500)), ("0.25", .milliseconds(250)), ("30", .seconds(30)),
            ("0", .zero), ("10 s", .seconds(10)), ("0.0000000015s", .nanoseconds(1)), ("1.0005ms", .nanoseconds(1_000_500)),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try Quantity.duration(text).get(), expected, text)
        }
    }

    func testMalformedDurationsAreRefused() {
        let cases: [(String, String)] = [
            ("", "is not a number"), ("s", "is not a number"), ("1.s", "is not a number"), (".5s", "is not a number"),
            ("1.2.3s", "is not a number"), ("-1s", "is negative"), ("10sec", "unknown unit \"sec\""),
            ("1S", "unknown unit \"S\""), ("1e3", "unknown unit \"e3\""), ("99999999999999999999h", "too large"),
            ("200000000d", "too large"),
        ]
        for (text, says) in cases {
            guard case .failure(let complaint) = Quantity.duration(text) else {
                XCTFail("\(text) parsed"); continue
            }
            XCTAssertTrue(complaint.text.contains(says), "\(text): \(complaint.text)")
        }
    }

    func testSizes() throws {
        let cases: [(String, Int)] = [
            ("0", 0), ("512", 512), ("512B", 512), ("16KiB", 16_384), ("10MiB", 10_485_760), ("1GiB", 1_073_741_824),
            ("1.5KiB", 1536), ("0.5 MiB", 524_288),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try Quantity.size(text).get(), expected, text)
        }
    }

    func testMalformedSizesAreRefused() {
        let cases: [(String, String)] = [
            ("16KB", "ambiguous unit \"KB\""), ("1k", "ambiguous unit \"k\""), ("1.1B", "not a whole number of bytes"),
            ("1.0001KiB", "not a whole number of bytes"), ("-1", "is negative"), ("10TiB", "unknown unit"),
            ("999999999999GiB", "too large"), ("big", "is not a number"),
        ]
        for (text, says) in cases {
            guard case .failure(let complaint) = Quantity.size(text) else {
                XCTFail("\(text) parsed"); continue
            }
            XCTAssertTrue(complaint.text.contains(says), "\(text): \(complaint.text)")
        }
    }

    func testFormattingPicksTheLargestExactUnit() {
        XCTAssertEqual(Quantity.format(.milliseconds(1500)), "1500ms")
        XCTAssertEqual(Quantity.format(.seconds(3600)), "1h")
        XCTAssertEqual(Quantity.format(.zero), "0s")
        XCTAssertEqual(Quantity.format(bytes: 1 << 20), "1MiB")
        XCTAssertEqual(Quantity.format(bytes: 1000), "1000B")
    }

    func testAddresses() {
        XCTAssertEqual(HostPort(parsing: "127.0.0.1:8080"), HostPort(host: "127.0.0.1", port: 8080))
        XCTAssertEqual(HostPort(parsing: "[::1]:8080"), HostPort(host: "::1", port: 8080))
        XCTAssertEqual(HostPort(parsing: "[fe80::1%eth0]:80"), HostPort(host: "fe80::1%eth0", port: 80))
        XCTAssertEqual(HostPort(parsing: "localhost:80"), HostPort(host: "localhost", port: 80))
        XCTAssertEqual(HostPort(parsing: "api-1.internal:65535"), HostPort(host: "api-1.internal", port: 65535))
        XCTAssertEqual(HostPort(parsing: "0.0.0.0:0"), HostPort(host: "0.0.0.0", port: 0))
        for bad in ["localhost", ":80", "host:", "host:-1", "host:65536", "host:8o", "::1:80", "[::1]80", "[::1:80",
                    "[zz]:80", "1.2.3:80", "256.1.1.1:80", "ho st:80", "http://host:80", "host:+80"] {
            XCTAssertNil(HostPort(parsing: bad), bad)
        }
    }

    func testAddressDescriptionBracketsIPv6() {
        XCTAssertEqual(HostPort(host: "::1", port: 8080).description, "[::1]:8080")
        XCTAssertEqual(HostPort(host: "localhost", port: 80).description, "localhost:80")
    }

    func testEditDistanceSuggestsNearKeys() {
        XCTAssertEqual(MappingReader.editDistance("listne", "listen"), 2)
        XCTAssertEqual(MappingReader.editDistance("", "ab"), 2)
        XCTAssertEqual(MappingReader.editDistance("ab", ""), 2)
        XCTAssertEqual(MappingReader.hint(for: "retrys", known: ["retries", "retry_on"]), "did you mean \"retries\"?")
        XCTAssertEqual(MappingReader.hint(for: "zzz", known: ["a", "b"]), "allowed here: a, b")
    }
}
