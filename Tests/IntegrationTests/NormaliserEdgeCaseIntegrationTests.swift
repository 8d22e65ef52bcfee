import Foundation
import XCTest

/// SPEC §7 through the real sluice binary with a scripted upstream: bodies and framings demo-upstream does not serve
/// (over the cap, gzip bombs, corrupt codings, non-UTF-8, close-delimited, trailers), headers of rewritten errors.
final class NormaliserEdgeCaseIntegrationTests: IntegrationTestCase {
    func testUnusualUpstreamErrorBodiesBecomeTheEnvelopeAndSluiceStaysUp() throws {
        let huge = Array(#"{"error":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 2 << 20) + Array(#""}"#.utf8)
        let bomb = try Self.gzipCompressed(Array(#"{"error":""#.utf8) + Array(repeating: UInt8(ascii: "b"), count: 8 << 20) + Array(#""}"#.utf8))
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
        let generic400 = try XCTUnwrap(Self.envelopeError(try send(client, "GET", "/status-empty-400"))?["message"] as? String)
        let generic404 = try XCTUnwrap(Self.envelopeError(try send(client, "GET", "/status-empty-404"))?["message"] as? String)
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
            let error = assertRewrittenError(response, status: status, code: code, context: path)
            XCTAssertEqual(error["message"] as? String, message, path)
            if let details {
                XCTAssertTrue(Self.sameJSONText(error["details"], details), "\(path): details \(response.text)")
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
        assertRewrittenError(response, status: 401, code: "INVALID_API_KEY", context: "401")
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
        assertRewrittenError(response, status: 502, code: "UPSTREAM_UNAVAILABLE", context: "cut short")
        XCTAssertEqual(try send(client, "GET", "/after").status, 200, "the client connection is unusable after a broken upstream error")
    }

    func testRewrittenErrorHonoursTheClientsConnectionClose() throws {
        try startNormalisingSluice()
        let client = try connectToSluice()
        let response = try send(client, "GET", Self.errorTarget(404, "keva-not-found", "&encoding=gzip"), headers: [("Connection", "close")])
        assertRewrittenError(response, status: 404, code: "RESOURCE_NOT_FOUND", context: "Connection: close")
        XCTAssertTrue(response.closesConnection, "\(response.headers)")
        XCTAssertTrue(client.waitForClose(timeout: 5), "sluice kept the connection open after Connection: close")
    }

    func testHeadWithNormaliseOffPassesTheUpstreamHeadThrough() throws {
        try startNormalisingSluice { $0.errors = ["normalise: false"] }
        let client = try connectToSluice(), direct = try upstream.connect()
        let target = Self.errorTarget(404, "keva-not-found", "&encoding=gzip")
        let expected = try send(direct, "HEAD", target), actual = try send(client, "HEAD", target)
        XCTAssertEqual(actual.status, 404)
        XCTAssertEqual(actual.headers(named: "Content-Length"), expected.headers(named: "Content-Length"))
        XCTAssertEqual(actual.headers(named: "Content-Encoding"), ["gzip"])
        XCTAssertEqual(actual.headers(named: "Content-Type"), expected.headers(named: "Content-Type"))
        XCTAssertEqual(try send(client, "GET", "/v1/after").status, 200)
    }
}
