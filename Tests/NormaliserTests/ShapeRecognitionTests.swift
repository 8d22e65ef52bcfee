import XCTest
@testable import Normaliser

/// Shapes beyond the seed documents: message arrays, problem+json, and everything that must become `other`.
final class ShapeRecognitionTests: XCTestCase {
    static let recognised: [EnvelopeExpectation] = [
        .init(name: "nestjs message array", status: 400,
              body: #"{"statusCode":400,"message":["email must be an email","name should not be empty"],"error":"Bad Request"}"#,
              shape: .nestjs, code: "VALIDATION_ERROR", message: "email must be an email; name should not be empty",
              details: #"[{"message":"email must be an email"},{"message":"name should not be empty"}]"#),
        .init(name: "nestjs without error member", status: 404, body: #"{"statusCode":404,"message":"Cannot GET /nope"}"#,
              shape: .nestjs, code: "RESOURCE_NOT_FOUND", message: "Cannot GET /nope"),
        .init(name: "nestjs empty message array", status: 422, body: #"{"statusCode":422,"message":[],"error":"Unprocessable Entity"}"#,
              shape: .nestjs, code: "UNPROCESSABLE_ENTITY", message: "The request could not be processed"),
        .init(name: "problem json with code member", status: 403,
              body: #"{"type":"https://example.com/probs/out-of-credit","title":"You do not have enough credit.","status":403,"detail":"Your current balance is 30, but that costs 50.","instance":"/account/12345/msgs/abc","balance":30,"accounts":["/account/12345","/account/67890"],"code":"out-of-credit"}"#,
              shape: .problemJSON, code: "OUT_OF_CREDIT", message: "Your current balance is 30, but that costs 50.",
              details: #"{"balance":30,"accounts":["/account/12345","/account/67890"]}"#),
        .init(name: "problem json without code uses the table", status: 401,
              body: #"{"type":"about:blank","title":"Unauthorized","status":401,"detail":"The API key has expired"}"#,
              shape: .problemJSON, code: "API_KEY_EXPIRED", message: "The API key has expired"),
        .init(name: "problem json title only", status: 404, body: #"{"title":"Not Found","status":404}"#,
              shape: .problemJSON, code: "RESOURCE_NOT_FOUND", message: "Not Found"),
        .init(name: "error string with scalar details wraps them", status: 400, body: #"{"error":"Bad input","details":"x must be set"}"#,
              shape: .errorString, code: "VALIDATION_ERROR", message: "Bad input", details: #"{"detail":"x must be set"}"#),
        .init(name: "error string with null details omits them", status: 400, body: #"{"error":"Bad input","details":null}"#,
              shape: .errorString, code: "VALIDATION_ERROR", message: "Bad input"),
        .init(name: "error string empty gets the generic text", status: 404, body: #"{"error":""}"#,
              shape: .errorString, code: "RESOURCE_NOT_FOUND", message: "The requested resource does not exist"),
        .init(name: "422 with field details but no validation word", status: 422,
              body: #"{"error":"Bad things","details":[{"field":"a","message":"b"}]}"#,
              shape: .errorString, code: "VALIDATION_ERROR", message: "Bad things", details: #"[{"field":"a","message":"b"}]"#),
        .init(name: "422 details without field member", status: 422,
              body: #"{"error":"Bad things","details":[{"name":"a"}]}"#,
              shape: .errorString, code: "UNPROCESSABLE_ENTITY", message: "Bad things", details: #"[{"name":"a"}]"#),
        .init(name: "400 date and format", status: 400, body: #"{"error":"The date has a wrong Format"}"#,
              shape: .errorString, code: "INVALID_DATE_FORMAT", message: "The date has a wrong Format"),
        .init(name: "other 4xx", status: 418, body: #"{"error":"I am a teapot"}"#,
              shape: .errorString, code: "CLIENT_ERROR", message: "I am a teapot"),
        .init(name: "error object lower-case code is made upper snake case", status: 409,
              body: #"{"error":{"code":"invoice-locked","message":"Locked"}}"#,
              shape: .errorObject, code: "INVOICE_LOCKED", message: "Locked"),
        .init(name: "error object with an unusable code uses the table", status: 409,
              body: #"{"error":{"code":"<b>oops</b>","message":"Locked"}}"#,
              shape: .errorObject, code: "RESOURCE_ALREADY_EXISTS", message: "Locked"),
        .init(name: "error object timestamp with an offset is kept as UTC", status: 404,
              body: #"{"error":{"code":"RESOURCE_NOT_FOUND","message":"Gone"},"timestamp":"2024-01-15T12:30:00+02:00"}"#,
              shape: .errorObject, code: "RESOURCE_NOT_FOUND", message: "Gone", timestamp: "2024-01-15T10:30:00Z"),
        .init(name: "error object with invalid timestamp gets now", status: 404,
              body: #"{"error":{"code":"RESOURCE_NOT_FOUND","message":"Gone"},"timestamp":"yesterday"}"#,
              shape: .errorObject, code: "RESOURCE_NOT_FOUND", message: "Gone"),
        .init(name: "error object 5xx keeps its code, hides message and details", status: 503,
              body: #"{"error":{"code":"MAINTENANCE","message":"db-7.internal down","details":{"host":"10.0.0.5"}},"timestamp":"2024-01-15T10:30:00Z"}"#,
              shape: .errorObject, code: "MAINTENANCE", message: "The service is temporarily unavailable",
              timestamp: "2024-01-15T10:30:00Z"),
    ]

    static let other: [(name: String, status: Int, body: [UInt8], code: String, message: String)] = [
        ("HTML page", 502, Array("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.25.3</center></body></html>".utf8),
         "BAD_GATEWAY", "The upstream server returned an invalid response"),
        ("HTML 404 page", 404, Array("<!DOCTYPE html><html><body><h1>Not Found</h1><p>/admin on 192.168.1.20</p></body></html>".utf8),
         "RESOURCE_NOT_FOUND", "The requested resource does not exist"),
        ("text traceback with internal address", 500, Array("""
            Traceback (most recent call last):
              File "/srv/app/handlers.py", line 42, in get_invoice
                conn = psycopg2.connect(host="10.0.3.7", port=5432)
            psycopg2.OperationalError: could not connect to server at 10.0.3.7:5432
            """.utf8), "INTERNAL_ERROR", "The server encountered an internal error"),
        ("empty body", 404, [], "RESOURCE_NOT_FOUND", "The requested resource does not exist"),
        ("empty body 401", 401, [], "INVALID_API_KEY", "Authentication is required or the API key is invalid"),
        ("invalid JSON", 400, Array(#"{"error": "unterminated"#.utf8), "VALIDATION_ERROR", "The request is invalid"),
        ("trailing comma", 400, Array(#"{"error": "x",}"#.utf8), "VALIDATION_ERROR", "The request is invalid"),
        ("JSON array", 400, Array(#"[{"error":"x"}]"#.utf8), "VALIDATION_ERROR", "The request is invalid"),
        ("JSON string", 409, Array(#""conflict""#.utf8), "RESOURCE_ALREADY_EXISTS", "The request conflicts with the current state of the resource"),
        ("JSON number", 429, Array("429".utf8), "RATE_LIMIT_EXCEEDED", "Too many requests, try again later"),
        ("object without a known shape", 403, Array(#"{"reason":"nope"}"#.utf8), "INSUFFICIENT_PERMISSIONS", "You do not have permission to perform this action"),
        ("error object without code or message", 400, Array(#"{"error":{"why":"x"}}"#.utf8), "VALIDATION_ERROR", "The request is invalid"),
        ("nestjs message array with a non-string", 400, Array(#"{"statusCode":400,"message":["a",1]}"#.utf8), "VALIDATION_ERROR", "The request is invalid"),
        ("non-UTF-8 bytes in a string", 400, [0x7B, 0x22, 0x65, 0x72, 0x72, 0x6F, 0x72, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D],
         "VALIDATION_ERROR", "The request is invalid"),
        ("Latin-1 text", 500, [0x45, 0x72, 0x72, 0x65, 0x75, 0x72, 0x20, 0xE9], "INTERNAL_ERROR", "The server encountered an internal error"),
        ("other 5xx", 507, Array("disk full on /dev/sda1".utf8), "SERVER_ERROR", "The server could not complete the request"),
        ("504 upstream timeout page", 504, Array("upstream timed out".utf8), "GATEWAY_TIMEOUT", "The upstream server did not respond in time"),
    ]

    func testRecognisedShapes() {
        Self.recognised.forEach { assertNormalises($0) }
    }

    func testUnrecognisedBodiesBecomeOtherWithTheGenericText() {
        for row in Self.other {
            let result = Normaliser().normalise(status: row.status, contentEncoding: nil, body: row.body, requestID: "r", now: testNow)
            XCTAssertEqual(result.shape, .other, row.name)
            XCTAssertEqual(result.envelope.code, row.code, row.name)
            XCTAssertEqual(result.envelope.message, row.message, row.name)
            XCTAssertNil(result.envelope.details, row.name)
        }
    }

    func testNothingOfATracebackOrHTMLLeaksIntoTheBody() {
        let leaky = ["10.0.3.7", "Traceback", "psycopg2", "/srv/app", "<html", "nginx", "192.168.1.20"]
        for row in Self.other {
            let text = String(decoding: Normaliser().normalise(status: row.status, contentEncoding: nil, body: row.body, requestID: "r", now: testNow).body, as: UTF8.self)
            for secret in leaky {
                XCTAssertFalse(text.contains(secret), "\(row.name) leaked \(secret): \(text)")
            }
        }
    }

    func testFiveHundredsHideUpstreamMessagesAndDetailsByDefault() {
        let body = Array(#"{"error":"NullPointerException at com.acme.Db(10.1.2.3:5432)","details":{"stack":"at x.y(z)"}}"#.utf8)
        for status in [500, 502, 503, 504, 599] {
            let result = Normaliser().normalise(status: status, contentEncoding: nil, body: body, requestID: "r", now: testNow)
            XCTAssertEqual(result.shape, .errorString)
            XCTAssertEqual(result.envelope.message, GenericMessages.message(for: status))
            XCTAssertNil(result.envelope.details)
            XCTAssertFalse(String(decoding: result.body, as: UTF8.self).contains("10.1.2.3"))
        }
    }

    func testExposeUpstream5xxMessagesKeepsThemForRecognisedShapes() {
        let normaliser = Normaliser(exposeUpstream5xxMessages: true)
        let body = Array(#"{"error":"Database is read-only","details":{"retry":true}}"#.utf8)
        let result = normaliser.normalise(status: 503, contentEncoding: nil, body: body, requestID: "r", now: testNow)
        XCTAssertEqual(result.envelope.code, "SERVICE_UNAVAILABLE")
        XCTAssertEqual(result.envelope.message, "Database is read-only")
        XCTAssertEqual(result.envelope.details, JSONParser.parse(#"{"retry":true}"#))
    }

    func testExposeUpstream5xxMessagesStillHidesUnrecognisedBodies() {
        let normaliser = Normaliser(exposeUpstream5xxMessages: true)
        let result = normaliser.normalise(status: 500, contentEncoding: nil, body: Array("Traceback: 10.0.0.1".utf8), requestID: "r", now: testNow)
        XCTAssertEqual(result.shape, .other)
        XCTAssertEqual(result.envelope.message, "The server encountered an internal error")
    }

    func testUTF8ByteOrderMarkIsSkipped() {
        let body: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(#"{"error":"Ticket not found"}"#.utf8)
        let result = Normaliser().normalise(status: 404, contentEncoding: nil, body: body, requestID: "r", now: testNow)
        XCTAssertEqual(result.shape, .errorString)
        XCTAssertEqual(result.envelope.message, "Ticket not found")
    }

    func testBodyOverTheCapIsOther() {
        let body = Array(#"{"error":"Ticket not found","pad":"\#(String(repeating: "x", count: 200))"}"#.utf8)
        let small = Normaliser(bodyCap: 100).normalise(status: 404, contentEncoding: nil, body: body, requestID: "r", now: testNow)
        XCTAssertEqual(small.shape, .other)
        XCTAssertEqual(small.envelope.message, "The requested resource does not exist")
        let large = Normaliser(bodyCap: body.count).normalise(status: 404, contentEncoding: nil, body: body, requestID: "r", now: testNow)
        XCTAssertEqual(large.shape, .errorString)
    }
}
