import HTTP1
import XCTest

final class HeaderValuesTests: XCTestCase {
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
}
