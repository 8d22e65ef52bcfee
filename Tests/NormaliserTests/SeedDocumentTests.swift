import Foundation
import XCTest
@testable import Normaliser

/// Every error example of the three seed documents in /work/shared/seeds.
final class SeedDocumentTests: XCTestCase {
    /// 000_*: the NestJS-style API.
    static let nestjs: [EnvelopeExpectation] = [
        .init(name: "invalid or revoked key", status: 401,
              body: #"{"statusCode": 401, "message": "Invalid or revoked API key", "error": "Unauthorized"}"#,
              shape: .nestjs, code: "INVALID_API_KEY", message: "Invalid or revoked API key"),
        .init(name: "missing authorization header", status: 401,
              body: #"{"statusCode": 401, "message": "Missing Authorization header", "error": "Unauthorized"}"#,
              shape: .nestjs, code: "MISSING_AUTHORIZATION", message: "Missing Authorization header"),
        .init(name: "invalid uuid", status: 400,
              body: #"{"statusCode": 400, "message": "Validation failed (uuid is expected)", "error": "Bad Request"}"#,
              shape: .nestjs, code: "VALIDATION_ERROR", message: "Validation failed (uuid is expected)"),
        .init(name: "receivable not found", status: 404,
              body: #"{"statusCode": 404, "message": "Receivable not found", "error": "Not Found"}"#,
              shape: .nestjs, code: "RESOURCE_NOT_FOUND", message: "Receivable not found"),
    ]

    /// 003_*: the API with `{"error": "…"}` bodies.
    static let errorString: [EnvelopeExpectation] = [
        .init(name: "format example", status: 400, body: #"{"error": "Description of the error"}"#,
              shape: .errorString, code: "VALIDATION_ERROR", message: "Description of the error"),
        .init(name: "validation with details", status: 422,
              body: #"{"error": "Validation failed", "details": [{ "field": "email", "message": "Invalid email format" }, { "field": "subject", "message": "Subject is required" }]}"#,
              shape: .errorString, code: "VALIDATION_ERROR", message: "Validation failed",
              details: #"[{"field":"email","message":"Invalid email format"},{"field":"subject","message":"Subject is required"}]"#),
        .init(name: "missing authorization", status: 401, body: #"{ "error": "Missing or invalid Authorization header" }"#,
              shape: .errorString, code: "MISSING_AUTHORIZATION", message: "Missing or invalid Authorization header"),
        .init(name: "invalid key format", status: 401, body: #"{ "error": "Invalid API key format" }"#,
              shape: .errorString, code: "INVALID_API_KEY", message: "Invalid API key format"),
        .init(name: "invalid key", status: 401, body: #"{ "error": "Invalid API key" }"#,
              shape: .errorString, code: "INVALID_API_KEY", message: "Invalid API key"),
        .init(name: "revoked key", status: 401, body: #"{ "error": "API key has been revoked" }"#,
              shape: .errorString, code: "API_KEY_REVOKED", message: "API key has been revoked"),
        .init(name: "expired key", status: 401, body: #"{ "error": "API key has expired" }"#,
              shape: .errorString, code: "API_KEY_EXPIRED", message: "API key has expired"),
        .init(name: "insufficient scope", status: 403, body: #"{ "error": "Insufficient scope" }"#,
              shape: .errorString, code: "INSUFFICIENT_SCOPE", message: "Insufficient scope"),
        .init(name: "invalid status", status: 400, body: #"{ "error": "Invalid status. Must be one of: open, pending, solved, closed" }"#,
              shape: .errorString, code: "VALIDATION_ERROR", message: "Invalid status. Must be one of: open, pending, solved, closed"),
        .init(name: "missing required field", status: 422,
              body: #"{"error": "Validation failed", "details": [{ "field": "customerEmail", "message": "customerEmail is required" }]}"#,
              shape: .errorString, code: "VALIDATION_ERROR", message: "Validation failed",
              details: #"[{"field":"customerEmail","message":"customerEmail is required"}]"#),
        .init(name: "ticket not found", status: 404, body: #"{ "error": "Ticket not found" }"#,
              shape: .errorString, code: "RESOURCE_NOT_FOUND", message: "Ticket not found"),
        .init(name: "approval already decided", status: 404, body: #"{ "error": "Approval not found or already decided" }"#,
              shape: .errorString, code: "RESOURCE_NOT_FOUND", message: "Approval not found or already decided"),
        .init(name: "rate limited", status: 429, body: #"{ "error": "Rate limit exceeded" }"#,
              shape: .errorString, code: "RATE_LIMIT_EXCEEDED", message: "Rate limit exceeded"),
        .init(name: "internal error hides the upstream text", status: 500, body: #"{ "error": "Internal server error" }"#,
              shape: .errorString, code: "INTERNAL_ERROR", message: "The server encountered an internal error"),
    ]

    /// 004_*: the API with nested error objects (the canonical shape itself).
    static let errorObject: [EnvelopeExpectation] = [
        .init(name: "format example keeps its timestamp", status: 400,
              body: #"{"error": {"code": "VALIDATION_ERROR", "message": "The request contains invalid parameters", "details": {"field": "invoice_id", "issue": "Invoice ID must be a valid UUID"}}, "status": "error", "timestamp": "2024-01-15T10:30:00Z"}"#,
              shape: .errorObject, code: "VALIDATION_ERROR", message: "The request contains invalid parameters",
              details: #"{"field":"invoice_id","issue":"Invoice ID must be a valid UUID"}"#, timestamp: "2024-01-15T10:30:00Z"),
        .init(name: "invalid key", status: 401, body: #"{"error": {"code": "INVALID_API_KEY", "message": "The provided API key is invalid"}}"#,
              shape: .errorObject, code: "INVALID_API_KEY", message: "The provided API key is invalid"),
        .init(name: "missing authorization", status: 401, body: #"{"error": {"code": "MISSING_AUTHORIZATION", "message": "Authorization header is required"}}"#,
              shape: .errorObject, code: "MISSING_AUTHORIZATION", message: "Authorization header is required"),
        .init(name: "validation details array", status: 400,
              body: #"{"error": {"code": "VALIDATION_ERROR", "message": "Validation failed for one or more fields", "details": [{"field": "customer_id", "message": "Customer ID is required"}, {"field": "amount", "message": "Amount must be greater than 0"}]}}"#,
              shape: .errorObject, code: "VALIDATION_ERROR", message: "Validation failed for one or more fields",
              details: #"[{"field":"customer_id","message":"Customer ID is required"},{"field":"amount","message":"Amount must be greater than 0"}]"#),
        .init(name: "date format", status: 400, body: #"{"error": {"code": "INVALID_DATE_FORMAT", "message": "Date must be in ISO 8601 format"}}"#,
              shape: .errorObject, code: "INVALID_DATE_FORMAT", message: "Date must be in ISO 8601 format"),
        .init(name: "not found", status: 404, body: #"{"error": {"code": "RESOURCE_NOT_FOUND", "message": "Invoice with ID 'abc123' not found"}}"#,
              shape: .errorObject, code: "RESOURCE_NOT_FOUND", message: "Invoice with ID 'abc123' not found"),
        .init(name: "already exists", status: 409, body: #"{"error": {"code": "RESOURCE_ALREADY_EXISTS", "message": "Invoice with this number already exists"}}"#,
              shape: .errorObject, code: "RESOURCE_ALREADY_EXISTS", message: "Invoice with this number already exists"),
        .init(name: "already approved", status: 422, body: #"{"error": {"code": "INVOICE_ALREADY_APPROVED", "message": "Cannot modify an approved invoice"}}"#,
              shape: .errorObject, code: "INVOICE_ALREADY_APPROVED", message: "Cannot modify an approved invoice"),
        .init(name: "credit limit", status: 422, body: #"{"error": {"code": "INSUFFICIENT_CREDIT_LIMIT", "message": "Customer credit limit exceeded"}}"#,
              shape: .errorObject, code: "INSUFFICIENT_CREDIT_LIMIT", message: "Customer credit limit exceeded"),
        .init(name: "rate limited keeps details in order", status: 429,
              body: #"{"error": {"code": "RATE_LIMIT_EXCEEDED", "message": "Rate limit exceeded. Try again in 60 seconds", "details": {"retry_after": 60, "limit": 100, "window": "1 hour"}}}"#,
              shape: .errorObject, code: "RATE_LIMIT_EXCEEDED", message: "Rate limit exceeded. Try again in 60 seconds",
              details: #"{"retry_after":60,"limit":100,"window":"1 hour"}"#),
    ]

    func testNestJSSeedExamples() {
        Self.nestjs.forEach { assertNormalises($0) }
    }

    func testErrorStringSeedExamples() {
        Self.errorString.forEach { assertNormalises($0) }
    }

    func testErrorObjectSeedExamples() {
        Self.errorObject.forEach { assertNormalises($0) }
    }

    func testEveryErrorBodyInTheSeedDocumentsHasARow() throws {
        // The package sits at /work/main, the seeds beside it at /work/shared/seeds; SLUICE_SEEDS_DIR overrides.
        let directory = ProcessInfo.processInfo.environment["SLUICE_SEEDS_DIR"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
                .appendingPathComponent("../../../shared/seeds").standardized
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        guard !files.isEmpty else { throw XCTSkip("seed documents not found at \(directory.path)") }
        let tables: [String: [EnvelopeExpectation]] = ["000": Self.nestjs, "003": Self.errorString, "004": Self.errorObject]
        for file in files.sorted() {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            guard let rows = tables[String(file.prefix(3))] else { continue }
            let known = rows.compactMap { JSONParser.parse($0.body) }
            let bodies = Self.jsonObjects(in: text).filter { $0[member: "error"] != nil || $0[member: "statusCode"] != nil }
            XCTAssertFalse(bodies.isEmpty, file)
            for body in bodies {
                XCTAssertTrue(known.contains(body), "\(file): no row for \(String(decoding: JSONWriter.encode(body), as: UTF8.self))")
            }
        }
    }

    /// Every JSON object in `text` that starts a line (the shortest text from that brace that parses).
    static func jsonObjects(in text: String) -> [JSONValue] {
        let bytes = Array(text.utf8)
        var found: [JSONValue] = []
        var index = 0
        while index < bytes.count {
            let startsLine = index == 0 || bytes[index - 1] == 0x0A || bytes[index - 1] == 0x3A || bytes[index - 1] == 0x20
            guard bytes[index] == UInt8(ascii: "{"), startsLine else { index += 1; continue }
            var end = index + 1
            var parsed: JSONValue?
            while end <= bytes.count, parsed == nil {
                if bytes[end - 1] == UInt8(ascii: "}") { parsed = JSONParser.parse(Array(bytes[index..<end])) }
                end += 1
            }
            if let parsed { found.append(parsed); index = end - 1 } else { index += 1 }
        }
        return found
    }

    func testRateLimitSeedEnvelopeIsExactBytes() {
        let body = #"{"error": {"code": "RATE_LIMIT_EXCEEDED", "message": "Rate limit exceeded. Try again in 60 seconds", "details": {"retry_after": 60, "limit": 100, "window": "1 hour"}}}"#
        let result = Normaliser().normalise(status: 429, contentEncoding: nil, body: Array(body.utf8), requestID: "0b6f", now: testNow)
        let expected = #"{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded. Try again in 60 seconds","details":{"retry_after":60,"limit":100,"window":"1 hour"}},"status":"error","timestamp":"2026-11-21T10:30:00Z","request_id":"0b6f"}"#
        XCTAssertEqual(String(decoding: result.body, as: UTF8.self), expected)
    }

    func testNestJSSeedEnvelopeIsExactBytes() {
        let body = #"{"statusCode": 401, "message": "Missing Authorization header", "error": "Unauthorized"}"#
        let result = Normaliser().normalise(status: 401, contentEncoding: nil, body: Array(body.utf8), requestID: "abc-1", now: testNow)
        let expected = #"{"error":{"code":"MISSING_AUTHORIZATION","message":"Missing Authorization header"},"status":"error","timestamp":"2026-11-21T10:30:00Z","request_id":"abc-1"}"#
        XCTAssertEqual(result.body, Array(expected.utf8))
    }
}
