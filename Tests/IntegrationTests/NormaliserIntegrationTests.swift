import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

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
    static let cases: [Case] = [
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
    static let framings = ["", "&chunked=1", "&encoding=gzip", "&encoding=deflate", "&encoding=gzip&chunked=1",
                           "&encoding=deflate&blocks=stored&chunked=1", "&encoding=gzip&blocks=stored"]

    /// Starts sluice with normalisation on and no retries or circuit opening on the upstream's 5xx answers.
    @discardableResult
    func startNormalisingSluice(_ configure: (inout SluiceConfig) -> Void = { _ in }) throws -> SluiceProcess {
        try startSluice { config in
            config.upstream = ["retry_on: []", "circuit_breaker: { failures: 10000, open_for: 1s }"]
            configure(&config)
        }
    }

    static func target(_ status: Int, _ body: String, _ framing: String = "") -> String {
        "/status/\(status)?body=\(body)\(framing)"
    }

    /// `error` of an envelope.
    static func errorMember(_ response: HTTPResponse) -> [String: Any]? { response.jsonObject?["error"] as? [String: Any] }

    /// Checks the envelope's headers and members that hold for every rewritten error; returns the `error` member.
    @discardableResult
    func assertRewritten(_ response: HTTPResponse, status: Int, code: String, context: String,
                         file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        assertEnvelope(response, status: status, code: code, file: file, line: line)
        XCTAssertNil(response.header("Content-Encoding"), "\(context): Content-Encoding on a rewritten body", file: file, line: line)
        XCTAssertNil(response.header("Transfer-Encoding"), "\(context): framed by Transfer-Encoding", file: file, line: line)
        XCTAssertNotNil(response.header("Content-Length"), "\(context): no Content-Length", file: file, line: line)
        let json = response.jsonObject ?? [:]
        XCTAssertEqual(Set(json.keys), ["error", "status", "timestamp", "request_id"], "\(context): \(response.text)", file: file, line: line)
        XCTAssertNotNil(response.header("X-Request-Id"), file: file, line: line)
        XCTAssertEqual(json["request_id"] as? String, response.header("X-Request-Id"), "\(context): request_id", file: file, line: line)
        XCTAssertTrue(RateLimitIntegrationTests.isRFC3339UTC(json["timestamp"] as? String), "\(context): timestamp \(json["timestamp"] ?? "nil")",
                      file: file, line: line)
        return json["error"] as? [String: Any] ?? [:]
    }

    /// JSON values compared as Foundation objects.
    static func sameJSON(_ value: Any?, _ expectedText: String) -> Bool {
        guard let value, let expected = try? JSONSerialization.jsonObject(with: Data(expectedText.utf8)),
              let actual = try? JSONSerialization.data(withJSONObject: value, options: .sortedKeys),
              let wanted = try? JSONSerialization.data(withJSONObject: expected, options: .sortedKeys) else { return false }
        return actual == wanted
    }

    /// The generic message sluice writes for `status` (the message of an empty upstream error body).
    func genericMessage(_ client: RawHTTPClient, status: Int) throws -> String {
        let response = try send(client, "GET", Self.target(status, "empty"))
        return try XCTUnwrap(Self.errorMember(response)?["message"] as? String, "no generic message for \(status): \(response.text)")
    }

    // MARK: Recognition

    func testEverySeedBodyInEveryFramingBecomesTheExactEnvelope() throws {
        try startNormalisingSluice()
        let client = try connectToSluice()
        var generic: [Int: String] = [:]
        for status in Set(Self.cases.filter { $0.message == nil }.map(\.status)) {
            generic[status] = try genericMessage(client, status: status)
        }
        for (index, testCase) in Self.cases.enumerated() {
            for framing in Self.framings {
                let context = "\(testCase.status) \(testCase.body.isEmpty ? "(default)" : testCase.body) \(framing)"
                let requestId = "norm-\(index)-\(framing.count)"
                let response = try send(client, "GET", Self.target(testCase.status, testCase.body, framing), headers: [("X-Request-Id", requestId)])
                let error = assertRewritten(response, status: testCase.status, code: testCase.code, context: context)
                XCTAssertEqual(response.header("X-Request-Id"), requestId, context)
                let message = error["message"] as? String
                if let expected = testCase.message {
                    XCTAssertEqual(message, expected, context)
                } else {
                    XCTAssertEqual(message, generic[testCase.status], "\(context): not the generic text")
                }
                if let details = testCase.details {
                    XCTAssertTrue(Self.sameJSON(error["details"], details), "\(context): details \(response.text)")
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
            let message = try genericMessage(client, status: status)
            XCTAssertGreaterThan(message.count, 10, "\(status): \(message)")
        }
        for (status, body) in [(500, "traceback"), (502, "html"), (503, "traceback"), (404, "html"), (400, "traceback"), (500, "html")] {
            for framing in ["", "&encoding=gzip&chunked=1"] {
                let response = try send(client, "GET", Self.target(status, body, framing))
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
        let generic500 = try genericMessage(client, status: 500), generic503 = try genericMessage(client, status: 503)
        let hidden = try send(client, "GET", Self.target(500, "nestjs-not-found"))
        XCTAssertEqual(assertRewritten(hidden, status: 500, code: "INTERNAL_ERROR", context: "500 nestjs")["message"] as? String, generic500)
        let object = try send(client, "GET", Self.target(503, "upwell-not-found", "&encoding=gzip"))
        let error = assertRewritten(object, status: 503, code: "RESOURCE_NOT_FOUND", context: "503 upwell")
        XCTAssertEqual(error["message"] as? String, generic503)
        XCTAssertFalse(object.text.contains("abc123"), object.text)
    }

    func testUpstream5xxMessagesAreKeptWhenExposed() throws {
        try startNormalisingSluice { $0.errors = ["expose_upstream_5xx_messages: true"] }
        let client = try connectToSluice()
        let exposed = try send(client, "GET", Self.target(500, "nestjs-not-found", "&chunked=1"))
        XCTAssertEqual(assertRewritten(exposed, status: 500, code: "INTERNAL_ERROR", context: "500 nestjs")["message"] as? String,
                       "Receivable not found")
        let keva = try send(client, "GET", Self.target(503, "keva-internal", "&encoding=deflate"))
        XCTAssertEqual(assertRewritten(keva, status: 503, code: "SERVICE_UNAVAILABLE", context: "503 keva")["message"] as? String,
                       "Internal server error")
        // A traceback or an HTML page is not a message: still generic, still nothing leaked.
        for (status, body) in [(500, "traceback"), (502, "html")] {
            let response = try send(client, "GET", Self.target(status, body))
            XCTAssertEqual(Self.errorMember(response)?["message"] as? String, try genericMessage(client, status: status), body)
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
            let response = try send(client, "GET", Self.target(status, body, framing))
            assertRewritten(response, status: status, code: code, context: "\(status) \(body)")
        }
    }

    // MARK: Response path

    func testUpstreamEndToEndHeadersAreKeptOnRewrittenErrors() throws {
        try startNormalisingSluice()
        let client = try connectToSluice()
        let unavailable = try send(client, "GET", "/status/503?retry_after=7&body=traceback&encoding=gzip")
        assertRewritten(unavailable, status: 503, code: "SERVICE_UNAVAILABLE", context: "503")
        XCTAssertEqual(unavailable.headers(named: "Retry-After"), ["7"])
        let limited = try send(client, "GET", "/status/429?retry_after=7&ratelimit_headers=1&body=keva-rate-limit&chunked=1")
        assertRewritten(limited, status: 429, code: "RATE_LIMIT_EXCEEDED", context: "429")
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
        for target in [Self.target(404, "keva-not-found"), Self.target(500, "traceback", "&encoding=gzip&chunked=1"), Self.target(401, "empty")] {
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
        let head = try send(client, "HEAD", Self.target(404, "empty"), headers: [("X-Request-Id", "same-id")])
        let get = try send(client, "GET", Self.target(404, "empty"), headers: [("X-Request-Id", "same-id")])
        assertRewritten(get, status: 404, code: "RESOURCE_NOT_FOUND", context: "GET 404 empty")
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
        for target in [Self.target(404, "keva-not-found"), Self.target(500, "traceback", "&chunked=1"),
                       Self.target(400, "nestjs-message-array", "&encoding=gzip"), Self.target(502, "html")] {
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
        for (status, body) in bodies { XCTAssertEqual(try send(client, "GET", Self.target(status, body)).status, status) }
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

    // MARK: Bodies demo-upstream cannot serve

    /// gzip-compresses `bytes` with the system's gzip (for a body that inflates past the cap).
    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-c", "-9"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let writer = Thread { input.fileHandleForWriting.write(Data(bytes)); try? input.fileHandleForWriting.close() }
        writer.start()
        let compressed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(compressed)
    }

    func testUnusualUpstreamErrorBodiesBecomeTheEnvelopeAndSluiceStaysUp() throws {
        let huge = Array(#"{"error":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 2 << 20) + Array(#""}"#.utf8)
        let bomb = try Self.gzip(Array(#"{"error":""#.utf8) + Array(repeating: UInt8(ascii: "b"), count: 8 << 20) + Array(#""}"#.utf8))
        let tricky = #"line1\nline2 \"quoted\" back\\slash \u0001 caf\u00e9 \ud83d\ude00 </script> & <b>"#
        let trickyDecoded = "line1\nline2 \"quoted\" back\\slash \u{01} café 😀 </script> & <b>"
        let deep = Array(repeating: UInt8(ascii: "["), count: 100_000) + Array(repeating: UInt8(ascii: "]"), count: 100_000)
        let json = [("Content-Type", "application/json")]
        let scripted = try ScriptedUpstream(responses: [
            "/huge": .init(400, json, huge),
            "/bomb": .init(400, json + [("Content-Encoding", "gzip")], bomb),
            "/corrupt-gzip": .init(404, json + [("Content-Encoding", "gzip")], Array(#"{"error":"not gzip at all"}"#.utf8)),
            "/brotli": .init(404, json + [("Content-Encoding", "br")], Array(#"{"error":"Ticket not found"}"#.utf8)),
            "/latin1": .init(400, json, Array(#"{"error":"caf"#.utf8) + [0xE9] + Array(#""}"#.utf8)),
            "/array": .init(400, json, Array(#"[{"error":"in an array"}]"#.utf8)),
            "/deep": .init(400, json, deep),
            "/close-delimited": .init(404, json + [("Connection", "close")], Array(#"{"statusCode":404,"message":"Receivable not found","error":"Not Found"}"#.utf8), framing: .close),
            "/chunked-trailer": .init(404, json + [("Trailer", "X-Checksum")], Array(#"{"error":"Ticket not found"}"#.utf8), framing: .chunkedWithTrailer),
            "/tricky": .init(400, json, Array(#"{"error":"\#(tricky)"}"#.utf8)),
            "/details-as-is": .init(409, json, Array(#"{"error":{"code":"ODD_DETAILS","message":"odd","details":[1,"two",null,{"x":[true,false]},1.5e3]}}"#.utf8)),
            "/problem-nested": .init(403, [("Content-Type", "application/problem+json")],
                                     Array(#"{"type":"about:blank","title":"Forbidden","status":403,"limits":{"daily":[1,2]},"trace":"t-1"}"#.utf8)),
            "/bom": .init(404, json, [0xEF, 0xBB, 0xBF] + Array(#"{"error":"Ticket not found"}"#.utf8)),
        ])
        defer { scripted.stop() }
        try startSluice { config in
            config.targets = [scripted.address]
            config.upstream = ["retry_on: []", "circuit_breaker: { failures: 10000, open_for: 1s }"]
        }
        let client = try connectToSluice()
        let generic400 = try XCTUnwrap(Self.errorMember(try send(client, "GET", "/status-empty-400"))?["message"] as? String)
        let generic404 = try XCTUnwrap(Self.errorMember(try send(client, "GET", "/status-empty-404"))?["message"] as? String)
        let expectations: [(String, Int, String, String?, String?)] = [
            ("/huge", 400, "VALIDATION_ERROR", generic400, nil),            // over the 1 MiB cap: other
            ("/bomb", 400, "VALIDATION_ERROR", generic400, nil),            // inflates past the cap: other
            ("/corrupt-gzip", 404, "RESOURCE_NOT_FOUND", generic404, nil),  // cannot be decoded: other
            ("/brotli", 404, "RESOURCE_NOT_FOUND", generic404, nil),        // an unknown coding: other
            ("/latin1", 400, "VALIDATION_ERROR", generic400, nil),          // not UTF-8: other
            ("/array", 400, "VALIDATION_ERROR", generic400, nil),           // JSON that is not an object: other
            ("/deep", 400, "VALIDATION_ERROR", generic400, nil),            // nesting too deep: other
            ("/close-delimited", 404, "RESOURCE_NOT_FOUND", "Receivable not found", nil),
            ("/chunked-trailer", 404, "RESOURCE_NOT_FOUND", "Ticket not found", nil),
            ("/tricky", 400, "VALIDATION_ERROR", trickyDecoded, nil),
            ("/details-as-is", 409, "ODD_DETAILS", "odd", #"[1,"two",null,{"x":[true,false]},1500]"#),
            ("/problem-nested", 403, "INSUFFICIENT_PERMISSIONS", "Forbidden", #"{"limits":{"daily":[1,2]},"trace":"t-1"}"#),
            ("/bom", 404, "RESOURCE_NOT_FOUND", "Ticket not found", nil),
        ]
        for (path, status, code, message, details) in expectations {
            let response = try send(client, "GET", path)
            let error = assertRewritten(response, status: status, code: code, context: path)
            XCTAssertEqual(error["message"] as? String, message, path)
            if let details {
                XCTAssertTrue(Self.sameJSON(error["details"], details), "\(path): details \(response.text)")
            } else {
                XCTAssertNil(error["details"], "\(path): \(response.text.prefix(300))")
            }
            XCTAssertLessThan(response.body.count, 4096, "\(path): the envelope carries the upstream body")
        }
        XCTAssertEqual(try send(client, "GET", "/still-up").status, 200)
    }

    func testEndToEndHeadersOfARewrittenErrorAreKeptAndBodyHeadersReplaced() throws {
        let scripted = try ScriptedUpstream(responses: [
            "/denied": .init(401, [("Content-Type", "application/json"), ("Content-Encoding", "identity"), ("WWW-Authenticate", #"Bearer realm="api""#),
                                   ("Set-Cookie", "session=; Max-Age=0"), ("Cache-Control", "no-store"), ("X-Upstream-Trace", "abc-1"),
                                   ("Content-Language", "en"), ("Vary", "Authorization"), ("X-Request-Id", "upstream-own-id")],
                             Array(#"{"error":"Invalid API key"}"#.utf8)),
        ])
        defer { scripted.stop() }
        try startSluice { config in config.targets = [scripted.address] }
        let response = try send(try connectToSluice(), "GET", "/denied", headers: [("X-Request-Id", "client-id-1")])
        assertRewritten(response, status: 401, code: "INVALID_API_KEY", context: "401")
        XCTAssertEqual(response.headers(named: "X-Request-Id"), ["client-id-1"], "the upstream's own X-Request-Id")
        XCTAssertEqual(response.jsonObject?["request_id"] as? String, "client-id-1")
        XCTAssertEqual(response.headers(named: "WWW-Authenticate"), [#"Bearer realm="api""#])
        XCTAssertEqual(response.headers(named: "Set-Cookie"), ["session=; Max-Age=0"])
        XCTAssertEqual(response.headers(named: "Cache-Control"), ["no-store"])
        XCTAssertEqual(response.headers(named: "X-Upstream-Trace"), ["abc-1"])
        XCTAssertEqual(response.headers(named: "Vary"), ["Authorization"])
        XCTAssertEqual(response.headers(named: "Content-Type"), ["application/json; charset=utf-8"])
        XCTAssertEqual(response.headers(named: "Content-Length"), ["\(response.body.count)"])
    }

    func testAnErrorBodyCutShortByTheUpstreamIsAnUpstreamFailure() throws {
        var truncated = ScriptedUpstream.Canned(500, [("Content-Type", "application/json")], Array(#"{"error":"Internal"#.utf8))
        truncated.bytes = Array("HTTP/1.1 500 Scripted\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"error\":\"Internal".utf8)
        truncated.closes = true
        let scripted = try ScriptedUpstream(responses: ["/cut": truncated])
        defer { scripted.stop() }
        try startSluice { config in
            config.targets = [scripted.address]
            config.upstream = ["retries: 0", "circuit_breaker: { failures: 10000, open_for: 1s }"]
        }
        let client = try connectToSluice()
        let response = try send(client, "GET", "/cut")
        assertRewritten(response, status: 502, code: "UPSTREAM_UNAVAILABLE", context: "cut short")
        XCTAssertEqual(try send(client, "GET", "/after").status, 200, "the client connection is unusable after a broken upstream error")
    }

    func testRewrittenErrorHonoursTheClientsConnectionClose() throws {
        try startNormalisingSluice()
        let client = try connectToSluice()
        let response = try send(client, "GET", Self.target(404, "keva-not-found", "&encoding=gzip"), headers: [("Connection", "close")])
        assertRewritten(response, status: 404, code: "RESOURCE_NOT_FOUND", context: "Connection: close")
        XCTAssertTrue(response.closesConnection, "\(response.headers)")
        XCTAssertTrue(client.waitForClose(timeout: 5), "sluice kept the connection open after Connection: close")
    }

    func testHeadWithNormaliseOffPassesTheUpstreamHeadThrough() throws {
        try startNormalisingSluice { $0.errors = ["normalise: false"] }
        let client = try connectToSluice(), direct = try upstream.connect()
        let target = Self.target(404, "keva-not-found", "&encoding=gzip")
        let expected = try send(direct, "HEAD", target), actual = try send(client, "HEAD", target)
        XCTAssertEqual(actual.status, 404)
        XCTAssertEqual(actual.headers(named: "Content-Length"), expected.headers(named: "Content-Length"))
        XCTAssertEqual(actual.headers(named: "Content-Encoding"), ["gzip"])
        XCTAssertEqual(actual.headers(named: "Content-Type"), expected.headers(named: "Content-Type"))
        XCTAssertEqual(try send(client, "GET", "/v1/after").status, 200)
    }
}

/// A minimal upstream on 127.0.0.1 that answers each path with a fixed, hand-framed response (for bodies and
/// framings demo-upstream does not offer). Unknown paths get `200 {"ok":true}`; `/status-empty-NNN` an empty NNN.
final class ScriptedUpstream: @unchecked Sendable {
    /// How a scripted response's body is delimited.
    enum Framing: Sendable { case length, chunkedWithTrailer, close }

    /// One canned response.
    struct Canned: Sendable {
        var bytes: [UInt8]
        var closes: Bool

        init(_ status: Int, _ headers: [(String, String)], _ body: [UInt8], framing: Framing = .length) {
            var head = "HTTP/1.1 \(status) Scripted\r\n" + headers.map { "\($0.0): \($0.1)\r\n" }.joined()
            switch framing {
            case .length:
                head += "Content-Length: \(body.count)\r\n\r\n"
                bytes = Array(head.utf8) + body
            case .close:
                bytes = Array((head + "\r\n").utf8) + body
            case .chunkedWithTrailer:
                head += "Transfer-Encoding: chunked\r\n\r\n"
                let half = body.count / 2
                bytes = Array(head.utf8)
                for piece in [body[..<half], body[half...]] {
                    bytes += Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + Array("\r\n".utf8)
                }
                bytes += Array("0\r\nX-Checksum: 1234\r\n\r\n".utf8)
            }
            closes = framing == .close
        }
    }

    let port: UInt16
    private let listener: Int32

    /// Listens on an ephemeral port and serves `responses` (keyed by request path) on a thread per connection.
    init(responses: [String: Canned]) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 64) == 0 && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else { Glibc.close(listener); throw RawHTTPClient.Failure.connect("scripted upstream: errno \(errno)") }
        port = UInt16(bigEndian: address.sin_port)
        self.listener = listener
        Thread {
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { if errno == EINTR { continue } else { return } }
                Thread { ScriptedUpstream.serve(connection, responses: responses) }.start()
            }
        }.start()
    }

    var address: String { "127.0.0.1:\(port)" }

    /// Stops accepting (connections being served end when their peer closes).
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }

    private static func serve(_ fd: Int32, responses: [String: Canned]) {
        defer { Glibc.close(fd) }
        var buffer: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 16_384)
        while true {
            guard let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) else {
                let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return }
                buffer += scratch[0..<n]
                continue
            }
            let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
            buffer.removeSubrange(..<end.upperBound)
            let words = head.split(separator: " ", maxSplits: 2)
            let path = words.count > 1 ? String(words[1]) : "/"
            let canned: Canned
            if let known = responses[path] {
                canned = known
            } else if path.hasPrefix("/status-empty-"), let status = Int(path.dropFirst("/status-empty-".count)) {
                canned = Canned(status, [], [])
            } else {
                canned = Canned(200, [("Content-Type", "application/json")], Array(#"{"ok":true}"#.utf8))
            }
            var sent = 0
            while sent < canned.bytes.count {
                let n = canned.bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, canned.bytes.count - sent, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return }
                sent += n
            }
            if canned.closes { return }
        }
    }
}
