import Foundation
import XCTest

/// SPEC §7 error normalisation through the real sluice binary, with demo-upstream serving the seed APIs' error
/// bodies plain, chunked and gzip/deflate-encoded (issue 4 "Must show").
final class NormaliserIntegrationTests: IntegrationTestCase {
    /// One upstream error and the envelope it must become. `message` nil: the generic text for the status.
    struct Case {
        var status: Int
        var body: String
        var code: String
        var message: String?
        /// The expected `error.details` as JSON text; nil: no details.
        var details: String?
        /// The expected envelope timestamp when the upstream body carries one.
        var timestamp: String?

        init(_ status: Int, _ body: String, _ code: String, _ message: String?, details: String? = nil, timestamp: String? = nil) {
            (self.status, self.body, self.code, self.message, self.details, self.timestamp) = (status, body, code, message, details, timestamp)
        }
    }

    /// Every seed body (`ErrorBodies` of demo-upstream) at a status its vendor documents, and the SPEC §7 result.
    static let seedCases: [Case] = [
        // nestjs
        Case(401, "nestjs-invalid-key", "INVALID_API_KEY", "Invalid or revoked API key"),
        Case(401, "nestjs-missing-auth", "MISSING_AUTHORIZATION", "Missing Authorization header"),
        Case(400, "nestjs-uuid", "VALIDATION_ERROR", "Validation failed (uuid is expected)"),
        Case(404, "nestjs-not-found", "RESOURCE_NOT_FOUND", "Receivable not found"),
        Case(400, "nestjs-message-array", "VALIDATION_ERROR", "email must be an email; name should not be empty",
             details: #"[{"message":"email must be an email"},{"message":"name should not be empty"}]"#),
        // error_string
        Case(401, "keva-missing-auth", "MISSING_AUTHORIZATION", "Missing or invalid Authorization header"),
        Case(401, "keva-invalid-key-format", "INVALID_API_KEY", "Invalid API key format"),
        Case(401, "keva-invalid-key", "INVALID_API_KEY", "Invalid API key"),
        Case(401, "keva-revoked", "API_KEY_REVOKED", "API key has been revoked"),
        Case(401, "keva-expired", "API_KEY_EXPIRED", "API key has expired"),
        Case(403, "keva-insufficient-scope", "INSUFFICIENT_SCOPE", "Insufficient scope"),
        Case(400, "keva-invalid-status", "VALIDATION_ERROR", "Invalid status. Must be one of: open, pending, solved, closed"),
        Case(422, "keva-validation", "VALIDATION_ERROR", "Validation failed",
             details: #"[{"field":"email","message":"Invalid email format"},{"field":"subject","message":"Subject is required"}]"#),
        Case(400, "keva-missing-field", "VALIDATION_ERROR", "Validation failed",
             details: #"[{"field":"customerEmail","message":"customerEmail is required"}]"#),
        Case(404, "keva-not-found", "RESOURCE_NOT_FOUND", "Ticket not found"),
        Case(404, "keva-approval-decided", "RESOURCE_NOT_FOUND", "Approval not found or already decided"),
        Case(429, "keva-rate-limit", "RATE_LIMIT_EXCEEDED", "Rate limit exceeded"),
        Case(500, "keva-internal", "INTERNAL_ERROR", nil),
        // error_object
        Case(400, "upwell-validation-object", "VALIDATION_ERROR", "The request contains invalid parameters",
             details: #"{"field":"invoice_id","issue":"Invoice ID must be a valid UUID"}"#, timestamp: "2024-01-15T10:30:00Z"),
        Case(401, "upwell-invalid-key", "INVALID_API_KEY", "The provided API key is invalid"),
        Case(401, "upwell-missing-auth", "MISSING_AUTHORIZATION", "Authorization header is required"),
        Case(422, "upwell-validation", "VALIDATION_ERROR", "Validation failed for one or more fields",
             details: #"[{"field":"customer_id","message":"Customer ID is required"},{"field":"amount","message":"Amount must be greater than 0"}]"#),
        Case(400, "upwell-date-format", "INVALID_DATE_FORMAT", "Date must be in ISO 8601 format"),
        Case(404, "upwell-not-found", "RESOURCE_NOT_FOUND", "Invoice with ID 'abc123' not found"),
        Case(409, "upwell-already-exists", "RESOURCE_ALREADY_EXISTS", "Invoice with this number already exists"),
        Case(409, "upwell-invoice-approved", "INVOICE_ALREADY_APPROVED", "Cannot modify an approved invoice"),
        Case(422, "upwell-credit-limit", "INSUFFICIENT_CREDIT_LIMIT", "Customer credit limit exceeded"),
        Case(429, "upwell-rate-limit", "RATE_LIMIT_EXCEEDED", "Rate limit exceeded. Try again in 60 seconds",
             details: #"{"retry_after":60,"limit":100,"window":"1 hour"}"#),
        // problem_json
        Case(403, "problem", "INSUFFICIENT_PERMISSIONS", "Your current balance is 30, but that costs 50.", details: #"{"balance":30}"#),
        Case(409, "problem-with-code", "DUPLICATE_INVOICE_NUMBER", "Invoice number already used"),
        // other
        Case(404, "html", "RESOURCE_NOT_FOUND", nil),
        Case(502, "html", "BAD_GATEWAY", nil),
        Case(500, "traceback", "INTERNAL_ERROR", nil),
        Case(400, "text", "VALIDATION_ERROR", nil),
        Case(400, "invalid-json", "VALIDATION_ERROR", nil),
        Case(404, "empty", "RESOURCE_NOT_FOUND", nil),
        Case(500, "empty", "INTERNAL_ERROR", nil),
        // codes from the status alone (demo-upstream's default NestJS body "Status N")
        Case(405, "", "METHOD_NOT_ALLOWED", "Status 405"),
        Case(408, "", "REQUEST_TIMEOUT", "Status 408"),
        Case(413, "", "PAYLOAD_TOO_LARGE", "Status 413"),
        Case(415, "", "UNSUPPORTED_MEDIA_TYPE", "Status 415"),
        Case(418, "", "CLIENT_ERROR", "Status 418"),
        Case(422, "", "UNPROCESSABLE_ENTITY", "Status 422"),
        Case(431, "", "HEADERS_TOO_LARGE", "Status 431"),
        Case(502, "", "BAD_GATEWAY", nil),
        Case(503, "", "SERVICE_UNAVAILABLE", nil),
        Case(504, "", "GATEWAY_TIMEOUT", nil),
        Case(507, "", "SERVER_ERROR", nil),
    ]

    /// Query suffixes for the ways demo-upstream can frame and encode an error body.
    static let bodyFramings = ["", "&chunked=1", "&encoding=gzip", "&encoding=deflate", "&encoding=gzip&chunked=1",
                           "&encoding=deflate&blocks=stored&chunked=1", "&encoding=gzip&blocks=stored"]

    // MARK: Recognition

    func testEverySeedBodyInEveryFramingBecomesTheExactEnvelope() throws {
        try startNormalisingSluice()
        let client = try connectToSluice()
        var generic: [Int: String] = [:]
        for status in Set(Self.seedCases.filter { $0.message == nil }.map(\.status)) {
            generic[status] = try genericErrorMessage(client, status: status)
        }
        for (index, testCase) in Self.seedCases.enumerated() {
            for framing in Self.bodyFramings {
                let context = "\(testCase.status) \(testCase.body.isEmpty ? "(default)" : testCase.body) \(framing)"
                let requestId = "norm-\(index)-\(framing.count)"
                let response = try send(client, "GET", Self.errorTarget(testCase.status, testCase.body, framing), headers: [("X-Request-Id", requestId)])
                let error = assertRewrittenError(response, status: testCase.status, code: testCase.code, context: context)
                XCTAssertEqual(response.header("X-Request-Id"), requestId, context)
                let message = error["message"] as? String
                if let expected = testCase.message {
                    XCTAssertEqual(message, expected, context)
                } else {
                    XCTAssertEqual(message, generic[testCase.status], "\(context): not the generic text")
                }
                if let details = testCase.details {
                    XCTAssertTrue(Self.sameJSONText(error["details"], details), "\(context): details \(response.text)")
                } else {
                    XCTAssertNil(error["details"], "\(context): unexpected details in \(response.text)")
                }
                if let timestamp = testCase.timestamp {
                    XCTAssertEqual(response.jsonObject?["timestamp"] as? String, timestamp, context)
                }
            }
        }
    }

    func testGenericMessagesAreSentencesThatLeakNothing() throws {
        try startNormalisingSluice()
        let client = try connectToSluice()
        for status in [400, 404, 500, 502, 503] {
            let message = try genericErrorMessage(client, status: status)
            XCTAssertGreaterThan(message.count, 10, "\(status): \(message)")
        }
        for (status, body) in [(500, "traceback"), (502, "html"), (503, "traceback"), (404, "html"), (400, "traceback"), (500, "html")] {
            for framing in ["", "&encoding=gzip&chunked=1"] {
                let response = try send(client, "GET", Self.errorTarget(status, body, framing))
                XCTAssertEqual(response.status, status)
                for leak in ["Traceback", "10.0.", "<html", "<!DOCTYPE", "psycopg2", "s3cr3t", "nginx", "/srv/api"] {
                    XCTAssertFalse(response.text.contains(leak), "\(status) \(body) \(framing) leaks \(leak): \(response.text)")
                }
            }
        }
    }

    func testUpstream5xxMessagesBecomeGenericByDefault() throws {
        try startNormalisingSluice()
        let client = try connectToSluice()
        let generic500 = try genericErrorMessage(client, status: 500), generic503 = try genericErrorMessage(client, status: 503)
        let hidden = try send(client, "GET", Self.errorTarget(500, "nestjs-not-found"))
        XCTAssertEqual(assertRewrittenError(hidden, status: 500, code: "INTERNAL_ERROR", context: "500 nestjs")["message"] as? String, generic500)
        let object = try send(client, "GET", Self.errorTarget(503, "upwell-not-found", "&encoding=gzip"))
        let error = assertRewrittenError(object, status: 503, code: "RESOURCE_NOT_FOUND", context: "503 upwell")
        XCTAssertEqual(error["message"] as? String, generic503)
        XCTAssertFalse(object.text.contains("abc123"), object.text)
    }

    func testUpstream5xxMessagesAreKeptWhenExposed() throws {
        try startNormalisingSluice { $0.errors = ["expose_upstream_5xx_messages: true"] }
        let client = try connectToSluice()
        let exposed = try send(client, "GET", Self.errorTarget(500, "nestjs-not-found", "&chunked=1"))
        XCTAssertEqual(assertRewrittenError(exposed, status: 500, code: "INTERNAL_ERROR", context: "500 nestjs")["message"] as? String,
                       "Receivable not found")
        let keva = try send(client, "GET", Self.errorTarget(503, "keva-internal", "&encoding=deflate"))
        XCTAssertEqual(assertRewrittenError(keva, status: 503, code: "SERVICE_UNAVAILABLE", context: "503 keva")["message"] as? String,
                       "Internal server error")
        // A traceback or an HTML page is not a message: still generic, still nothing leaked.
        for (status, body) in [(500, "traceback"), (502, "html")] {
            let response = try send(client, "GET", Self.errorTarget(status, body))
            XCTAssertEqual(Self.envelopeError(response)?["message"] as? String, try genericErrorMessage(client, status: status), body)
            for leak in ["Traceback", "10.0.", "<html", "psycopg2"] {
                XCTAssertFalse(response.text.contains(leak), "\(body) leaks \(leak) with expose_upstream_5xx_messages: \(response.text)")
            }
        }
    }

    // MARK: Rules

    func testErrorRulesComeBeforeTheBuiltInCodes() throws {
        try startNormalisingSluice {
            $0.errors = [
                "rules:",
                #"  - { status: 422, message: "credit limit", code: INSUFFICIENT_CREDIT_LIMIT }"#,
                #"  - { status: 404, message: "ALREADY DECIDED", code: APPROVAL_ALREADY_DECIDED }"#,
                #"  - { status: 422, message: "validation", code: FORM_INVALID }"#,
                #"  - { status: 403, message: "balance", code: INSUFFICIENT_BALANCE }"#,
                "  - { status: 405, code: VERB_REFUSED }",
            ]
        }
        let client = try connectToSluice()
        let expectations: [(Int, String, String, String)] = [
            (422, "upwell-credit-limit", "", "INSUFFICIENT_CREDIT_LIMIT"),
            (404, "keva-approval-decided", "&encoding=gzip", "APPROVAL_ALREADY_DECIDED"),  // case-insensitive substring
            (422, "keva-validation", "&chunked=1", "FORM_INVALID"),                         // before the built-in 422 "validation"
            (403, "problem", "", "INSUFFICIENT_BALANCE"),                                    // problem+json without a code member
            (405, "", "", "VERB_REFUSED"),                                                   // a rule without a message
            (404, "keva-not-found", "", "RESOURCE_NOT_FOUND"),                              // no rule matches: built-in
            (400, "keva-validation", "", "VALIDATION_ERROR"),                               // a rule for 422 does not apply to 400
            (409, "problem-with-code", "", "DUPLICATE_INVOICE_NUMBER"),                     // the body's own code
        ]
        for (status, body, framing, code) in expectations {
            let response = try send(client, "GET", Self.errorTarget(status, body, framing))
            assertRewrittenError(response, status: status, code: code, context: "\(status) \(body)")
        }
    }

    // MARK: Response path

    func testUpstreamEndToEndHeadersAreKeptOnRewrittenErrors() throws {
        try startNormalisingSluice()
        let client = try connectToSluice()
        let unavailable = try send(client, "GET", "/status/503?retry_after=7&body=traceback&encoding=gzip")
        assertRewrittenError(unavailable, status: 503, code: "SERVICE_UNAVAILABLE", context: "503")
        XCTAssertEqual(unavailable.headers(named: "Retry-After"), ["7"])
        let limited = try send(client, "GET", "/status/429?retry_after=7&ratelimit_headers=1&body=keva-rate-limit&chunked=1")
        assertRewrittenError(limited, status: 429, code: "RATE_LIMIT_EXCEEDED", context: "429")
        XCTAssertEqual(limited.headers(named: "Retry-After"), ["7"])
        XCTAssertEqual(limited.header("X-RateLimit-Limit"), "100")
        XCTAssertEqual(limited.header("X-RateLimit-Remaining"), "0")
        XCTAssertEqual(limited.header("X-RateLimit-Reset"), "1642248000")
        XCTAssertEqual(limited.headers(named: "Content-Type").count, 1)
        XCTAssertEqual(limited.headers(named: "Content-Length").count, 1)
    }

    func testHeadOnAnErrorGetsHeadersOnlyAndTheConnectionStaysUsable() throws {
        try startNormalisingSluice()
        let client = try connectToSluice()
        for target in [Self.errorTarget(404, "keva-not-found"), Self.errorTarget(500, "traceback", "&encoding=gzip&chunked=1"), Self.errorTarget(401, "empty")] {
            let response = try send(client, "HEAD", target, headers: [("X-Request-Id", "head-1")])
            XCTAssertEqual(response.status, Int(target.dropFirst("/status/".count).prefix(3)), target)
            XCTAssertEqual(response.header("Content-Type")?.lowercased(), "application/json; charset=utf-8", target)
            XCTAssertNil(response.header("Content-Encoding"), target)
            XCTAssertNil(response.header("Transfer-Encoding"), target)
            XCTAssertGreaterThan(response.header("Content-Length").flatMap { Int($0) } ?? 0, 0, "\(target): \(response.headers)")
            XCTAssertEqual(response.header("X-Request-Id"), "head-1")
            // No body bytes follow the head: the next response on this connection starts cleanly.
            XCTAssertEqual(client.unreadBytes, [], "\(target): bytes after a HEAD response")
            let next = try send(client, "GET", "/v1/after-head")
            XCTAssertEqual(next.status, 200, "\(target): \(next.text)")
        }
        // The Content-Length is the envelope's: the same as a GET of the same error with the same request id.
        let head = try send(client, "HEAD", Self.errorTarget(404, "empty"), headers: [("X-Request-Id", "same-id")])
        let get = try send(client, "GET", Self.errorTarget(404, "empty"), headers: [("X-Request-Id", "same-id")])
        assertRewrittenError(get, status: 404, code: "RESOURCE_NOT_FOUND", context: "GET 404 empty")
        XCTAssertEqual(head.header("Content-Length").flatMap { Int($0) }, get.body.count)
    }

    func testResponsesBelow400AreUntouchedByteForByte() throws {
        try startNormalisingSluice()
        let proxied = try connectToSluice(), direct = try upstream.connect()
        let targets = ["/v1/invoices/42?x=1", "/bytes?n=100000", "/bytes?n=70000&chunked=1", "/status/200?body=keva-validation&encoding=gzip",
                       "/status/201?body=html", "/status/202?body=traceback&encoding=deflate&chunked=1", "/redirect?to=/v1/elsewhere",
                       "/status/299?body=empty"]
        for target in targets {
            let expected = try send(direct, "GET", target), actual = try send(proxied, "GET", target)
            XCTAssertEqual(actual.status, expected.status, target)
            XCTAssertTrue(actual.body == expected.body, "\(target): body changed (\(actual.body.count) vs \(expected.body.count) bytes)")
            for name in ["Content-Type", "Content-Encoding", "Location"] {
                XCTAssertEqual(actual.headers(named: name), expected.headers(named: name), "\(target): \(name)")
            }
        }
    }

    func testNormaliseFalsePassesUpstreamErrorsThroughWhileOwnErrorsUseTheEnvelope() throws {
        try startNormalisingSluice {
            $0.errors = ["normalise: false"]
            $0.auth = ["require_api_key: true"]
            $0.rateLimit = ["enabled: true", "limits:", "  - { name: minute, requests: 4, per: 1m }"]
        }
        let proxied = try connectToSluice(), direct = try upstream.connect()
        let key = [("Authorization", "Bearer key-passthrough")]
        for target in [Self.errorTarget(404, "keva-not-found"), Self.errorTarget(500, "traceback", "&chunked=1"),
                       Self.errorTarget(400, "nestjs-message-array", "&encoding=gzip"), Self.errorTarget(502, "html")] {
            let expected = try send(direct, "GET", target), actual = try send(proxied, "GET", target, headers: key)
            XCTAssertEqual(actual.status, expected.status, target)
            XCTAssertTrue(actual.body == expected.body, "\(target): body changed: \(actual.text.prefix(200))")
            XCTAssertEqual(actual.headers(named: "Content-Type"), expected.headers(named: "Content-Type"), target)
            XCTAssertEqual(actual.headers(named: "Content-Encoding"), expected.headers(named: "Content-Encoding"), target)
        }
        assertEnvelope(try send(proxied, "GET", "/v1/no-key"), status: 401, code: "MISSING_AUTHORIZATION")
        let refused = try send(proxied, "GET", "/v1/fifth", headers: key)
        assertEnvelope(refused, status: 429, code: "RATE_LIMIT_EXCEEDED")
        XCTAssertEqual(refused.jsonObject?["request_id"] as? String, refused.header("X-Request-Id"))
    }

    func testStatsCountRewrittenErrorsByShape() throws {
        let sluice = try startNormalisingSluice()
        let adminPort = try XCTUnwrap(sluice.adminPort, "sluice announced no admin listener")
        let client = try connectToSluice()
        let bodies = [(401, "nestjs-invalid-key"), (404, "keva-not-found"), (404, "keva-not-found"), (409, "upwell-already-exists"),
                      (403, "problem"), (500, "html"), (500, "empty"), (404, "invalid-json")]
        for (status, body) in bodies { XCTAssertEqual(try send(client, "GET", Self.errorTarget(status, body)).status, status) }
        XCTAssertEqual(try send(client, "GET", "/v1/fine").status, 200)
        let expected = ["nestjs": 1, "error_string": 2, "error_object": 1, "problem_json": 1, "other": 3]
        var byShape: [String: Int] = [:], rewritten: Int?
        let deadline = Date().addingTimeInterval(3)
        repeat {
            let stats = try XCTUnwrap(try RawHTTPClient(port: adminPort).request("GET", "/stats")).jsonObject
            let normaliser = stats?["normaliser"] as? [String: Any]
            byShape = (normaliser?["by_shape"] as? [String: Int]) ?? [:]
            rewritten = normaliser?["rewritten"] as? Int
            if byShape == expected && rewritten == bodies.count { break }
            usleep(50_000)
        } while Date() < deadline
        XCTAssertEqual(byShape, expected)
        XCTAssertEqual(rewritten, bodies.count)
    }
}
