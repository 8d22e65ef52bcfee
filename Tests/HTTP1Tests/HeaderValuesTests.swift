import Essentials
import HTTP1
import XCTest

final class HeaderValuesTests: XCTestCase {
    private func withBytes<R>(_ string: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        Array(string.utf8).withUnsafeBytes(body)
    }

    func testCommaSeparatedTokensAreTrimmedAndSkipEmptyElements() {
        let cases: [(String, [String])] = [
            ("close", ["close"]),
            ("keep-alive, Upgrade", ["keep-alive", "Upgrade"]),
            (" ,a ,, \tb\t,", ["a", "b"]),
            ("", []),
            (" , ", []),
            ("X-Custom-Hop,Te", ["X-Custom-Hop", "Te"]),
        ]
        for (value, expected) in cases {
            let tokens = withBytes(value) { b in
                commaSeparatedTokens(b, 0..<b.count).map {
                    String(decoding: UnsafeRawBufferPointer(rebasing: b[$0]), as: UTF8.self)
                }
            }
            XCTAssertEqual(tokens, expected, value)
        }
    }

    func testTokensOfAHeaderValueInsideALargerBuffer() {
        let raw = "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Hop\r\n\r\n"
        var parser = RequestHeadParser(maxHeaderBytes: 1024, maxBodyBytes: 0)
        Array(raw.utf8).withUnsafeBytes { b in
            guard case .complete(let head) = parser.parse(b) else { return XCTFail() }
            let connection = head.headers[1]
            XCTAssertTrue(asciiEqualsIgnoringCase(b, connection.name, "connection"))
            let tokens = commaSeparatedTokens(b, connection.value)
            XCTAssertEqual(tokens.count, 2)
            XCTAssertTrue(asciiEqualsIgnoringCase(b, tokens[1], "x-hop"))
        }
    }

    func testFirstIndexFindsFieldsByNameIgnoringCase() {
        let raw = "GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: a\r\nx-request-id: b\r\nAccept: */*\r\n\r\n"
        var parser = RequestHeadParser(maxHeaderBytes: 1024, maxBodyBytes: 0)
        Array(raw.utf8).withUnsafeBytes { b in
            guard case .complete(let head) = parser.parse(b) else { return XCTFail() }
            XCTAssertEqual(head.headers.firstIndex(named: "x-request-id", in: b), 1)
            XCTAssertEqual(head.headers.firstIndex(named: "accept", in: b), 3)
            XCTAssertNil(head.headers.firstIndex(named: "x-forwarded-for", in: b))
        }
    }

    func testHopByHopFieldNames() {
        let hop = [
            "Connection", "keep-alive", "Proxy-Authenticate", "proxy-authorization", "Proxy-Connection", "TE",
            "Trailer", "Transfer-Encoding", "UPGRADE",
        ]
        let endToEnd = ["Host", "Content-Length", "Trailers", "Tee", "X-Upgrade", "Authorization", "Content-Encoding"]
        for name in hop {
            withBytes(name) { b in XCTAssertTrue(isHopByHopFieldName(b, 0..<b.count), name) }
        }
        for name in endToEnd {
            withBytes(name) { b in XCTAssertFalse(isHopByHopFieldName(b, 0..<b.count), name) }
        }
    }
}
