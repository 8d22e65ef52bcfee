import XCTest
@testable import Normaliser

final class CodeRuleTests: XCTestCase {
    func testRulesComeBeforeTheBuiltInTable() {
        let rules = [CodeRule(status: 422, messageContains: "credit limit", code: "INSUFFICIENT_CREDIT_LIMIT")]
        let body = Array(#"{"error":"Validation: Customer CREDIT LIMIT exceeded"}"#.utf8)
        let withRule = Normaliser(rules: rules).normalise(status: 422, contentEncoding: nil, body: body, requestID: "r", now: testNow)
        XCTAssertEqual(withRule.envelope.code, "INSUFFICIENT_CREDIT_LIMIT")
        let withoutRule = Normaliser().normalise(status: 422, contentEncoding: nil, body: body, requestID: "r", now: testNow)
        XCTAssertEqual(withoutRule.envelope.code, "VALIDATION_ERROR")
    }

    func testFirstMatchingRuleWinsAndNonMatchingRulesFallThrough() {
        let rules = [
            CodeRule(status: 404, messageContains: "invoice", code: "INVOICE_NOT_FOUND"),
            CodeRule(status: 404, messageContains: "ticket", code: "TICKET_NOT_FOUND"),
            CodeRule(status: 404, messageContains: nil, code: "NOTHING_HERE"),
            CodeRule(status: 404, messageContains: "ticket", code: "NEVER_REACHED"),
        ]
        let normaliser = Normaliser(rules: rules)
        func code(_ status: Int, _ message: String) -> String {
            normaliser.normalise(status: status, contentEncoding: nil, body: Array(#"{"error":"\#(message)"}"#.utf8), requestID: "r", now: testNow).envelope.code
        }
        XCTAssertEqual(code(404, "Ticket not found"), "TICKET_NOT_FOUND")
        XCTAssertEqual(code(404, "Invoice and ticket"), "INVOICE_NOT_FOUND")
        XCTAssertEqual(code(404, "User not found"), "NOTHING_HERE")
        XCTAssertEqual(code(400, "ticket"), "VALIDATION_ERROR")
    }

    func testRuleWithoutMessageAppliesToUnrecognisedBodies() {
        let normaliser = Normaliser(rules: [CodeRule(status: 502, code: "LEGACY_BACKEND_DOWN")])
        let result = normaliser.normalise(status: 502, contentEncoding: nil, body: Array("<html>".utf8), requestID: "r", now: testNow)
        XCTAssertEqual(result.envelope.code, "LEGACY_BACKEND_DOWN")
        XCTAssertEqual(result.shape, .other)
    }

    func testStatedCodesAreNotOverriddenByRules() {
        let normaliser = Normaliser(rules: [CodeRule(status: 422, code: "RULE_CODE")])
        let body = Array(#"{"error":{"code":"INVOICE_ALREADY_APPROVED","message":"Cannot modify"}}"#.utf8)
        XCTAssertEqual(normaliser.normalise(status: 422, contentEncoding: nil, body: body, requestID: "r", now: testNow).envelope.code,
                       "INVOICE_ALREADY_APPROVED")
    }

    func testBuiltInTableRows() {
        let cases: [(Int, String, String)] = [
            (401, "Missing Authorization", "MISSING_AUTHORIZATION"), (401, "authorization is missing", "MISSING_AUTHORIZATION"),
            (401, "Invalid token", "INVALID_API_KEY"), (401, "Key REVOKED", "API_KEY_REVOKED"), (401, "key expired", "API_KEY_EXPIRED"),
            (401, "who are you", "INVALID_API_KEY"), (403, "needs scope x", "INSUFFICIENT_SCOPE"), (403, "no", "INSUFFICIENT_PERMISSIONS"),
            (400, "use ISO 8601", "INVALID_DATE_FORMAT"), (400, "date has bad format", "INVALID_DATE_FORMAT"), (400, "date missing", "VALIDATION_ERROR"),
            (404, "", "RESOURCE_NOT_FOUND"), (405, "", "METHOD_NOT_ALLOWED"), (408, "", "REQUEST_TIMEOUT"), (409, "", "RESOURCE_ALREADY_EXISTS"),
            (413, "", "PAYLOAD_TOO_LARGE"), (415, "", "UNSUPPORTED_MEDIA_TYPE"), (422, "Validation failed", "VALIDATION_ERROR"),
            (422, "nope", "UNPROCESSABLE_ENTITY"), (429, "", "RATE_LIMIT_EXCEEDED"), (431, "", "HEADERS_TOO_LARGE"), (500, "", "INTERNAL_ERROR"),
            (502, "", "BAD_GATEWAY"), (503, "", "SERVICE_UNAVAILABLE"), (504, "", "GATEWAY_TIMEOUT"), (402, "", "CLIENT_ERROR"),
            (499, "", "CLIENT_ERROR"), (501, "", "SERVER_ERROR"), (599, "", "SERVER_ERROR"), (302, "", "CLIENT_ERROR"), (600, "", "SERVER_ERROR"),
        ]
        for (status, message, code) in cases {
            XCTAssertEqual(ErrorCodeTable.code(status: status, message: message, details: nil, rules: []), code, "\(status) \(message)")
        }
    }

    func testSubstringSearchFindsOverlappingAndRepeatedPatterns() {
        let cases: [(String, String, Bool)] = [
            ("aaab", "aab", true), ("abababc", "ababc", true), ("ababab", "ababc", false), ("abcabd", "abd", true),
            ("xyz", "", true), ("", "a", false), ("ab", "abc", false), ("Crédit LIMIT", "crédit limit", true),
            ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "aaaab", true), ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaab", false),
        ]
        for (text, needle, expected) in cases {
            XCTAssertEqual(LowercasedText(text).contains(needle), expected, "\(needle) in \(text)")
        }
    }

    func testLongAdversarialMessageAgainstALongRuleStaysCorrect() {
        let message = String(repeating: "a", count: 200_000) + "b"
        let rule = CodeRule(status: 400, messageContains: String(repeating: "a", count: 1_000) + "B", code: "FOUND")
        XCTAssertEqual(ErrorCodeTable.code(status: 400, message: message, details: nil, rules: [rule]), "FOUND")
        XCTAssertEqual(ErrorCodeTable.code(status: 400, message: String(message.dropLast()), details: nil, rules: [rule]), "VALIDATION_ERROR")
    }
}
