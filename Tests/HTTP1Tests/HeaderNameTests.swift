import HTTP1
import XCTest

/// The one classification of field names and the one hop-by-hop list (RFC 9110 §7.6.1).
final class HeaderNameTests: XCTestCase {
    private func classify(_ name: String) -> HeaderName {
        Array(name.utf8).withUnsafeBytes { HeaderName.classify($0, 0..<$0.count) }
    }

    func testHopByHopFieldsIncludeProxyConnection() {
        let hop = [
            "Connection", "keep-alive", "Proxy-Authenticate", "proxy-authorization", "Proxy-Connection",
            "PROXY-CONNECTION", "TE", "Trailer", "Transfer-Encoding", "UPGRADE",
        ]
        for name in hop { XCTAssertTrue(classify(name).isHopByHop, name) }
        let endToEnd = [
            "Host", "Content-Length", "Trailers", "Tee", "X-Upgrade", "Authorization", "Content-Encoding",
            "Proxy-Connections", "Proxy_Connection", "Date", "X-Forwarded-For",
        ]
        for name in endToEnd { XCTAssertFalse(classify(name).isHopByHop, name) }
    }

    func testKnownNamesAreRecognisedInAnyCase() {
        let cases: [(String, HeaderName)] = [
            ("date", .date), ("DATE", .date), ("Host", .host), ("Forwarded", .forwarded), ("x-real-ip", .xRealIP),
            ("X-Forwarded-For", .xForwardedFor), ("X-FORWARDED-HOST", .xForwardedHost),
            ("x-forwarded-proto", .xForwardedProto), ("X-Consumer-Id", .xConsumer), ("x-consumer-plan", .xConsumer),
            ("X-Request-Id", .xRequestID), ("RateLimit", .rateLimitFamily), ("RateLimit-Policy", .rateLimitFamily),
            ("X-RateLimit", .rateLimitFamily), ("X-RateLimit-Remaining-Minute", .rateLimitFamily),
            ("Proxy-Connection", .proxyConnection),
            ("X_Forwarded_For", .other), ("Content_Length", .other), ("Transfer_Encoding", .other),
            ("X-Consumer", .other), ("X-Real-IPs", .other), ("Dates", .other), ("X-RateLimit-", .other),
            ("", .other), ("Xonnection", .other), ("Kost", .other), ("Y-Forwarded-For", .other), ("X-RateLimiT-Reset", .rateLimitFamily),
        ]
        for (name, expected) in cases { XCTAssertEqual(classify(name), expected, name) }
    }

    func testUnderscoreLookAlikesAreFound() {
        for name in ["Transfer_Encoding", "Content_Length", "X_Forwarded_For", "_", "a_", "_a"] {
            XCTAssertTrue(Array(name.utf8).withUnsafeBytes { HeaderName.containsUnderscore($0, 0..<$0.count) }, name)
        }
        for name in ["Transfer-Encoding", "X-Forwarded-For", "a"] {
            XCTAssertFalse(Array(name.utf8).withUnsafeBytes { HeaderName.containsUnderscore($0, 0..<$0.count) }, name)
        }
        // Only the name's own range counts.
        XCTAssertFalse(Array("X_A: b".utf8).withUnsafeBytes { HeaderName.containsUnderscore($0, 2..<3) })
    }

    func testConnectionNominatesFieldNamesButNotItsOptions() {
        let raw = "GET / HTTP/1.1\r\nHost: h\r\nConnection: close, X-Hop-A ,, keep-alive\r\n"
            + "connection: \tx-hop-b\r\nX-Hop-A: 1\r\nX-HOP-B: 2\r\nX-Hop: 3\r\nClose: 4\r\nKeep-Alive: 5\r\n\r\n"
        var parser = RequestHeadParser(maxHeaderBytes: 1024, maxBodyBytes: 0)
        Array(raw.utf8).withUnsafeBytes { b in
            guard case .complete(let head) = parser.parse(b) else { return XCTFail("not parsed") }
            let nominations = ConnectionNominations(head.headers, in: b)
            XCTAssertFalse(nominations.isEmpty)
            let nominated = head.headers.filter { nominations.contains($0.name, in: b) }.map { text(b, $0.name) }
            XCTAssertEqual(nominated, ["X-Hop-A", "X-HOP-B"])
        }
    }

    func testOnlyConnectionOptionsNominateNothing() {
        let raw = "GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, CLOSE\r\nClose: x\r\n\r\n"
        var parser = RequestHeadParser(maxHeaderBytes: 1024, maxBodyBytes: 0)
        Array(raw.utf8).withUnsafeBytes { b in
            guard case .complete(let head) = parser.parse(b) else { return XCTFail("not parsed") }
            XCTAssertTrue(ConnectionNominations(head.headers, in: b).isEmpty)
        }
    }
}
