import Foundation
import XCTest

/// SPEC §4 forwarding through the real sluice binary to a real demo-upstream.
final class ForwardingTests: IntegrationTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try startSluice()
    }

    func testOneMebibyteBinaryPostArrivesIntact() throws {
        let body = Self.binaryBytes(1 << 20)
        let (_, direct) = try echo(try upstream.connect(), "POST", body: body)
        let (_, proxied) = try echo(try connectToSluice(), "POST", headers: [("Content-Type", "application/octet-stream")], body: body)
        XCTAssertEqual(proxied.bodyLength, 1 << 20)
        XCTAssertEqual(proxied.bodySHA256, direct.bodySHA256)
        XCTAssertEqual(proxied.method, "POST")
    }

    func testOneMebibyteResponseArrivesIntact() throws {
        let response = try send(try connectToSluice(), "GET", "/bytes?n=1048576")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body.count, 1 << 20)
        XCTAssertTrue(response.body == Self.patternBytes(1 << 20), "response body differs from the upstream's bytes")
    }

    func testChunkedRequestBodyArrivesWhole() throws {
        let body = Self.binaryBytes(300_000, seed: 7)
        var chunked: [UInt8] = []
        for start in stride(from: 0, to: body.count, by: 70_001) {
            let piece = body[start..<min(start + 70_001, body.count)]
            chunked += Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + [13, 10]
        }
        chunked += Array("0\r\n\r\n".utf8)
        let (_, direct) = try echo(try upstream.connect(), "POST", body: body)
        let (_, proxied) = try echo(try connectToSluice(), "POST", headers: [("Transfer-Encoding", "chunked")], body: chunked)
        XCTAssertEqual(proxied.bodyLength, body.count)
        XCTAssertEqual(proxied.bodySHA256, direct.bodySHA256)
    }

    func testChunkedResponseBodyArrivesWhole() throws {
        let response = try send(try connectToSluice(), "GET", "/bytes?n=300000&chunked=1")
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.body == Self.patternBytes(300_000), "chunked response body differs (\(response.body.count) bytes)")
    }

    func testMethodPathAndQueryBytesArePreserved() throws {
        let client = try connectToSluice()
        for target in ["/echo?a=%20b&c=d;e", "/echo?x=%2F%2f&y=&&z=a+b", "/echo/sub/../path?q=%E2%82%AC&empty"] {
            let (_, echoed) = try echo(client, "PATCH", target: target)
            XCTAssertEqual(echoed.target, target)
            XCTAssertEqual(echoed.method, "PATCH")
        }
        let (_, options) = try echo(client, "OPTIONS", target: "/echo?o=1")
        XCTAssertEqual(options.method, "OPTIONS")
    }

    func testHopByHopRequestHeadersAreNotForwarded() throws {
        let (_, echoed) = try echo(try connectToSluice(), headers: [
            ("Connection", "keep-alive, X-Hop-A"), ("X-Hop-A", "secret"), ("Keep-Alive", "timeout=5"),
            ("TE", "trailers"), ("Upgrade", "foo/1"), ("Proxy-Authorization", "Basic dXNlcjpwYXNz"),
            ("Trailer", "X-Checksum"), ("Proxy-Connection", "keep-alive"), ("X-End-To-End", "kept"),
        ])
        for name in ["Connection", "X-Hop-A", "Keep-Alive", "TE", "Upgrade", "Proxy-Authorization", "Trailer", "Proxy-Connection"] {
            XCTAssertFalse(echoed.has(name), "\(name) reached the upstream: \(echoed.headers)")
        }
        XCTAssertEqual(echoed.headers(named: "X-End-To-End"), ["kept"])
    }

    func testHopByHopResponseHeadersAreNotReturned() throws {
        let target = "/response-headers?Connection=X-Hop-B&X-Hop-B=1&Keep-Alive=timeout%3D5&Proxy-Authenticate=Basic"
            + "&Upgrade=foo%2F1&Trailer=X-Checksum&Proxy-Connection=keep-alive&X-Kept=yes"
        let response = try send(try connectToSluice(), "GET", target)
        XCTAssertEqual(response.status, 200)
        for name in ["X-Hop-B", "Keep-Alive", "Proxy-Authenticate", "Upgrade", "Trailer", "Proxy-Connection"] {
            XCTAssertNil(response.header(name), "\(name) reached the client: \(response.headers)")
        }
        XCTAssertFalse(response.headers(named: "Connection").contains { $0.lowercased().contains("x-hop-b") })
        XCTAssertEqual(response.header("X-Kept"), "yes")
    }

    func testXForwardedForIsTheClientAddressWhenNoProxyIsTrusted() throws {
        let client = try connectToSluice()
        let (_, spoofed) = try echo(client, headers: [("X-Forwarded-For", "203.0.113.9")])
        XCTAssertEqual(spoofed.headers(named: "X-Forwarded-For"), ["127.0.0.1"])
        let (_, fresh) = try echo(client)
        XCTAssertEqual(fresh.headers(named: "X-Forwarded-For"), ["127.0.0.1"])
    }

    func testXForwardedProtoIsHTTP() throws {
        let (_, echoed) = try echo(try connectToSluice(), headers: [("X-Forwarded-Proto", "https")])
        XCTAssertEqual(echoed.headers(named: "X-Forwarded-Proto"), ["http"])
    }

    func testRequestIdIsGeneratedWhenAbsent() throws {
        let (response, echoed) = try echo(try connectToSluice())
        let sent = echoed.headers(named: "X-Request-Id")
        XCTAssertEqual(sent.count, 1)
        XCTAssertTrue(isUUID(sent.first), "not a UUID: \(sent)")
        XCTAssertEqual(response.header("X-Request-Id"), sent.first)
    }

    func testValidRequestIdIsPropagatedBothWays() throws {
        let client = try connectToSluice()
        for id in ["abc-123_XYZ.9", String(repeating: "a", count: 128), "x"] {
            let (response, echoed) = try echo(client, headers: [("X-Request-Id", id)])
            XCTAssertEqual(echoed.headers(named: "X-Request-Id"), [id])
            XCTAssertEqual(response.header("X-Request-Id"), id)
        }
    }

    func testInvalidRequestIdIsReplacedWithAUUID() throws {
        let client = try connectToSluice()
        for id in [String(repeating: "a", count: 129), "bad!id", "has space", "slash/id"] {
            let (response, echoed) = try echo(client, headers: [("X-Request-Id", id)])
            let sent = echoed.headers(named: "X-Request-Id")
            XCTAssertEqual(sent.count, 1, "for \(id)")
            XCTAssertTrue(isUUID(sent.first), "\(id) replaced by \(sent)")
            XCTAssertEqual(response.header("X-Request-Id"), sent.first, "for \(id)")
        }
    }

    func testRequestIdAppearsInSluiceErrorEnvelopes() throws {
        // 20 MB declared against the default 10 MiB max_body_bytes: sluice answers 413 itself, after parsing the head.
        let response = try send(try connectToSluice(), "POST", "/echo", headers: [("X-Request-Id", "trace-me-42"), ("Content-Length", "20000000")])
        assertEnvelope(response, status: 413, code: "PAYLOAD_TOO_LARGE")
        XCTAssertEqual(response.jsonObject?["request_id"] as? String, "trace-me-42")
        XCTAssertEqual(response.header("X-Request-Id"), "trace-me-42")
    }

    func testHostHeaderIsKept() throws {
        let (_, echoed) = try echo(try connectToSluice(), headers: [("Host", "api.example.test:8443")])
        XCTAssertEqual(echoed.headers(named: "Host"), ["api.example.test:8443"])
    }

    func testHeadGetsHeadersWithoutBodyAndTheConnectionStaysUsable() throws {
        let client = try connectToSluice()
        let head = try send(client, "HEAD", "/bytes?n=12345")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Length"), "12345")
        XCTAssertTrue(head.body.isEmpty)
        let next = try send(client, "GET", "/v1/after-head")
        XCTAssertEqual(next.status, 200)
        XCTAssertEqual(next.jsonObject?["path"] as? String, "/v1/after-head")
    }

    func testRedirectPassesThroughWithLocation() throws {
        let response = try send(try connectToSluice(), "GET", "/redirect?to=/v1/elsewhere%3Fa%3D1")
        XCTAssertEqual(response.status, 302)
        XCTAssertEqual(response.header("Location"), "/v1/elsewhere?a=1")
        XCTAssertEqual(response.jsonObject?["redirect"] as? String, "/v1/elsewhere?a=1")
    }
}
