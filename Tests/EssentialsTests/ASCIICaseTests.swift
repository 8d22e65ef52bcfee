import Essentials
import XCTest

final class ASCIICaseTests: XCTestCase {
    private func withBytes<R>(_ string: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        Array(string.utf8).withUnsafeBytes(body)
    }

    func testCaseInsensitiveComparisonFoldsOnlyLetters() {
        withBytes("xContent-LENGTHx") { b in
            XCTAssertTrue(asciiEqualsIgnoringCase(b, 1..<15, "content-length"))
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 1..<14, "content-length"), "shorter range")
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 0..<14, "content-length"), "shifted range")
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 1..<15, "content_length"))
        }
        withBytes("@[`{") { b in
            // '@' | 0x20 == '`' and '[' | 0x20 == '{': folding must not touch non-letters.
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 0..<1, "`"))
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 1..<2, "{"))
            XCTAssertTrue(asciiEqualsIgnoringCase(b, 2..<4, "`{"))
        }
        withBytes("TRANSFER-ENCODING: x\u{c1}\u{e1}") { b in
            XCTAssertTrue(asciiEqualsIgnoringCase(b, 0..<17, "transfer-encoding"), "word-at-a-time path")
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 0..<17, "transfer-encodinh"), "last byte differs")
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 0..<17, "transfar-encoding"), "a byte in the first word differs")
        }
        withBytes("@[\\]^_`{|}~ABCDEFGHIJKLMNOPQRSTUVWXYZ") { b in
            XCTAssertTrue(asciiEqualsIgnoringCase(b, 0..<37, "@[\\]^_`{|}~abcdefghijklmnopqrstuvwxyz"))
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 0..<11, "`{|}~\u{7f}`{|}~"))
        }
        withBytes("") { b in XCTAssertTrue(asciiEqualsIgnoringCase(b, 0..<0, "")) }
        withBytes("abc") { b in XCTAssertFalse(asciiEqualsIgnoringCase(b, 2..<5, "abc"), "range past the end") }
    }

    func testWholeBufferComparisonsFoldOnlyLetters() {
        withBytes("Keep-Alive") { b in
            XCTAssertTrue(b.equalsLowercase("keep-alive"))
            XCTAssertFalse(b.equalsLowercase("keep-alivf"))
            XCTAssertFalse(b.equalsLowercase("keep"))
            XCTAssertFalse(b.equalsLowercase("keep_alive"))
        }
        withBytes("KEEP-alive") { b in XCTAssertTrue(b.equalsLowercase("keep-alive")) }
        withBytes("@[") { b in XCTAssertFalse(b.equalsLowercase("`{"), "@ and [ are not letters: they do not fold") }
        XCTAssertEqual(UInt8(ascii: "Q").asciiLowercased, UInt8(ascii: "q"))
        XCTAssertEqual(UInt8(ascii: "@").asciiLowercased, UInt8(ascii: "@"))
        XCTAssertEqual(UInt8(0xC1).asciiLowercased, 0xC1)
    }
}
