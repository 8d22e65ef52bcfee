import XCTest
@testable import Normaliser

final class ErrorEnvelopeTests: XCTestCase {
    func testEnvelopeWithDetailsIsExactCompactJSONInCanonicalOrder() {
        let envelope = ErrorEnvelope(
            code: "RATE_LIMIT_EXCEEDED", message: "Rate limit exceeded. Try again in 6 seconds",
            details: .object([
                JSONMember(name: "retry_after", value: .integer(6)),
                JSONMember(name: "limit", value: .integer(10)),
                JSONMember(name: "window", value: .string("1 minute")),
            ]),
            timestamp: "2026-11-21T10:30:00Z", requestID: "0b6f")
        let expected = #"{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded. Try again in 6 seconds","#
            + #""details":{"retry_after":6,"limit":10,"window":"1 minute"}},"status":"error","#
            + #""timestamp":"2026-11-21T10:30:00Z","request_id":"0b6f"}"#
        XCTAssertEqual(envelope.encoded(), Array(expected.utf8))
    }

    func testEnvelopeWithoutDetailsOmitsTheMember() {
        let envelope = ErrorEnvelope(code: "RESOURCE_NOT_FOUND", message: "Not here", timestamp: "2026-11-21T10:30:00Z", requestID: "r1")
        let expected = #"{"error":{"code":"RESOURCE_NOT_FOUND","message":"Not here"},"status":"error","timestamp":"2026-11-21T10:30:00Z","request_id":"r1"}"#
        XCTAssertEqual(String(decoding: envelope.encoded(), as: UTF8.self), expected)
    }

    func testEnvelopeEscapesQuotesBackslashesAndControlCharacters() {
        let envelope = ErrorEnvelope(code: "X", message: "a\"b\\c\nd\u{1}e\u{7f}é", timestamp: "t", requestID: "r")
        let text = String(decoding: envelope.encoded(), as: UTF8.self)
        XCTAssertTrue(text.contains(#""message":"a\"b\\c\nd\u0001e\#u{7f}é""#), text)
        XCTAssertNotNil(JSONParser.parse(envelope.encoded()))
    }

    func testEnvelopeWithArrayDetailsKeepsThemAsIs() {
        let details = JSONParser.parse(#"[{"field":"email","message":"Invalid email format"}]"#)
        let envelope = ErrorEnvelope(code: "VALIDATION_ERROR", message: "Validation failed", details: details, timestamp: "t", requestID: "r")
        let expected = #"{"error":{"code":"VALIDATION_ERROR","message":"Validation failed","details":[{"field":"email","message":"Invalid email format"}]},"status":"error","timestamp":"t","request_id":"r"}"#
        XCTAssertEqual(String(decoding: envelope.encoded(), as: UTF8.self), expected)
    }

    func testProxyErrorTableGivesStatusCodeAndDefaultMessage() {
        let expected: [(ProxyError, Int, String)] = [
            (.missingAuthorization, 401, "MISSING_AUTHORIZATION"),
            (.invalidAPIKey, 401, "INVALID_API_KEY"),
            (.apiKeyRevoked, 401, "API_KEY_REVOKED"),
            (.apiKeyExpired, 401, "API_KEY_EXPIRED"),
            (.insufficientScope, 403, "INSUFFICIENT_SCOPE"),
            (.rateLimitExceeded, 429, "RATE_LIMIT_EXCEEDED"),
            (.payloadTooLarge, 413, "PAYLOAD_TOO_LARGE"),
            (.headersTooLarge, 431, "HEADERS_TOO_LARGE"),
            (.badRequest, 400, "BAD_REQUEST"),
            (.requestTimeout, 408, "REQUEST_TIMEOUT"),
            (.upstreamUnavailable, 502, "UPSTREAM_UNAVAILABLE"),
            (.upstreamTimeout, 504, "UPSTREAM_TIMEOUT"),
            (.serviceUnavailable, 503, "SERVICE_UNAVAILABLE"),
        ]
        XCTAssertEqual(expected.count, ProxyError.allCases.count)
        for (error, status, code) in expected {
            XCTAssertEqual(error.status, status, code)
            XCTAssertEqual(error.code, code)
            XCTAssertFalse(error.defaultMessage.isEmpty, code)
        }
    }

    func testProxyErrorEnvelopeUsesDefaultMessageAndClock() {
        let envelope = ProxyError.upstreamTimeout.envelope(requestID: "abc", now: 1_795_257_000)
        XCTAssertEqual(envelope.code, "UPSTREAM_TIMEOUT")
        XCTAssertEqual(envelope.message, ProxyError.upstreamTimeout.defaultMessage)
        XCTAssertEqual(envelope.timestamp, "2026-11-21T10:30:00Z")
        XCTAssertEqual(envelope.requestID, "abc")
        XCTAssertNil(envelope.details)
    }
}
