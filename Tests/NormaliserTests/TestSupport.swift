import XCTest
@testable import Normaliser

/// 2026-11-21T10:30:00Z, the injected "now" of these tests.
let testNow: Int64 = 1_795_257_000
let testNowText = "2026-11-21T10:30:00Z"

/// One upstream error body and the envelope fields it must produce.
struct EnvelopeExpectation {
    var name: String
    var status: Int
    var body: String
    var shape: ErrorShape
    var code: String
    var message: String
    /// The expected details as JSON text, nil for none.
    var details: String? = nil
    var timestamp: String = testNowText
}

/// Normalises `body` and checks every envelope field against `expected`.
func assertNormalises(_ expected: EnvelopeExpectation, with normaliser: Normaliser = Normaliser(),
                      file: StaticString = #filePath, line: UInt = #line) {
    let result = normaliser.normalise(status: expected.status, contentEncoding: nil, body: Array(expected.body.utf8),
                                      requestID: "req-1", now: testNow)
    XCTAssertEqual(result.shape, expected.shape, "\(expected.name): shape", file: file, line: line)
    XCTAssertEqual(result.envelope.code, expected.code, "\(expected.name): code", file: file, line: line)
    XCTAssertEqual(result.envelope.message, expected.message, "\(expected.name): message", file: file, line: line)
    XCTAssertEqual(result.envelope.details, expected.details.flatMap { JSONParser.parse($0) },
                   "\(expected.name): details", file: file, line: line)
    XCTAssertEqual(result.envelope.timestamp, expected.timestamp, "\(expected.name): timestamp", file: file, line: line)
    XCTAssertEqual(result.envelope.requestID, "req-1", file: file, line: line)
    XCTAssertEqual(result.body, result.envelope.encoded(), "\(expected.name): body", file: file, line: line)
}
