import Essentials
import XCTest

final class JSONStringTests: XCTestCase {
    private func json(_ value: String) -> String {
        var out: [UInt8] = Array("prefix:".utf8)
        JSONString.append(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func testPlainStringsAreQuotedAsTheyAre() {
        XCTAssertEqual(json(""), #"prefix:"""#)
        XCTAssertEqual(json("GET /v1/users?x=ü"), #"prefix:"GET /v1/users?x=ü""#)
    }

    func testQuotesBackslashesAndControlCharactersAreEscaped() {
        XCTAssertEqual(json("a\"b\\c"), #"prefix:"a\"b\\c""#)
        XCTAssertEqual(json("\n\r\t\u{08}\u{0C}"), #"prefix:"\n\r\t\b\f""#)
        XCTAssertEqual(json("\u{00}\u{1F}x"), #"prefix:"\u0000\u001fx""#)
        XCTAssertEqual(json("\u{7F}"), "prefix:\"\u{7F}\"", "DEL is not a control character in JSON")
    }

    func testTheBoundHoldsForTheWorstCase() {
        let worst = String(repeating: "\u{01}", count: 10)
        var out: [UInt8] = []
        JSONString.append(worst, to: &out)
        XCTAssertEqual(out.count, JSONString.maxCount(worst))
    }
}
