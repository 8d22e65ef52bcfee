import XCTest
@testable import Normaliser

final class JSONParserTests: XCTestCase {
    func testParsesEveryValueKindKeepingMemberOrderAndNumberText() {
        let value = JSONParser.parse(#" {"z": 1, "a": [true, false, null, -0.5e+10, "s"], "m": {}, "z": 2.50} "#)
        XCTAssertEqual(value, .object([
            JSONMember(name: "z", value: .number("1")),
            JSONMember(name: "a", value: .array([.bool(true), .bool(false), .null, .number("-0.5e+10"), .string("s")])),
            JSONMember(name: "m", value: .object([])),
            JSONMember(name: "z", value: .number("2.50")),
        ]))
        XCTAssertEqual(value?[member: "z"], .number("2.50"), "the last duplicate wins on lookup")
    }

    func testDecodesEscapesAndSurrogatePairs() {
        XCTAssertEqual(JSONParser.parse(#""\"\\\/\b\f\n\r\t\u00e9\u20AC\ud83d\ude00""#), .string("\"\\/\u{8}\u{c}\n\r\té€😀"))
        XCTAssertEqual(JSONParser.parse("\"é😀\""), .string("é😀"))
    }

    func testRejectsInvalidJSON() {
        let invalid = ["", " ", "{", "}", "[1,]", "[,1]", #"{"a":1,}"#, #"{"a" 1}"#, #"{a:1}"#, "'a'", "01", "1.", ".5", "-", "1e", "+1",
                       "NaN", "Infinity", "tru", "nul", "true false", #""\x""#, #""\u12""#, #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#,
                       "\"a\u{1}b\"", "\"tab\there\"", "\"unterminated", "[1] x", "\u{FEFF}{}", "{\"a\":1}\u{0}"]
        for text in invalid {
            XCTAssertNil(JSONParser.parse(text), text.debugDescription)
        }
        XCTAssertNil(JSONParser.parse([0x22, 0xC3, 0x28, 0x22]), "invalid UTF-8 in a string")
        XCTAssertNil(JSONParser.parse([0x22, 0xED, 0xA0, 0x80, 0x22]), "UTF-8-encoded surrogate")
        XCTAssertNil(JSONParser.parse([0x22, 0xC0, 0xAF, 0x22]), "overlong UTF-8")
    }

    func testDepthLimitIsEnforced() {
        let atLimit = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        let overLimit = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        XCTAssertNotNil(JSONParser.parse(atLimit))
        XCTAssertNil(JSONParser.parse(overLimit))
        XCTAssertNil(JSONParser.parse(String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)))
        XCTAssertNil(JSONParser.parse(String(repeating: "[", count: 100_000)), "deep nesting must not overflow the stack")
        XCTAssertNotNil(JSONParser.parse("[[1]]", maxDepth: 2))
        XCTAssertNil(JSONParser.parse("[[1]]", maxDepth: 1))
    }

    func testWriterRoundTripsParsedValues() {
        let texts = [#"{"b":[1,2.5,-3e-7,{"c":null}],"a":"x\"y\\z\n","é":true}"#, "[]", "{}", #""""#, "0", #"[{"a":{"b":[[]]}}]"#]
        for text in texts {
            guard let value = JSONParser.parse(text) else { return XCTFail("did not parse \(text)") }
            XCTAssertEqual(String(decoding: JSONWriter.encode(value), as: UTF8.self), text)
            XCTAssertEqual(JSONParser.parse(JSONWriter.encode(value)), value)
        }
    }

    func testWriterEscapesControlCharactersQuotesAndBackslashes() {
        let text = String(decoding: JSONWriter.encode(.string("\u{0}\u{1f}\"\\\u{8}\u{c}\n\r\t/é")), as: UTF8.self)
        XCTAssertEqual(text, #""\u0000\u001f\"\\\b\f\n\r\t/é""#)
    }

    func testWriterWritesAnInvalidNumberLiteralAsNull() {
        XCTAssertEqual(JSONWriter.encode(.array([.number("12"), .number("1,2"), .number(""), .integer(-7)])), Array("[12,null,null,-7]".utf8))
    }

    func testWriterOutputIsValidUTF8ForStringsMadeFromInvalidBytes() {
        let repaired = String(decoding: [0x61, 0xFF, 0xC3], as: UTF8.self)
        let written = JSONWriter.encode(.string(repaired))
        XCTAssertNotNil(String(validating: written, as: UTF8.self))
        XCTAssertNotNil(JSONParser.parse(written))
    }
}
