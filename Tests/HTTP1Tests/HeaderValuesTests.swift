import HTTP1
import XCTest

final class HeaderValuesTests: XCTestCase {
    private func withBytes<R>(_ string: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        Array(string.utf8).withUnsafeBytes(body)
    }

    func testCaseInsensitiveComparisonFoldsOnlyLetters() {
        withBytes("xContent-LENGTHx") { b in
            XCTAssertTrue(asciiEqualsIgnoringCase(b, 1..<15, "content-length"))
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 1..<14, "content-length"), "shorter range")
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 0..<14, "content-length"), "shifted range")
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 1..<15, "content_length"))
        }
        withBytes("@[`{") { b in
            // '@' | 0x20 == '`' and '[' | 0x20 == '{': folding must not touch non-letters.
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 0..<1, "`"))
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 1..<2, "{"))
            XCTAssertTrue(asciiEqualsIgnoringCase(b, 2..<4, "`{"))
        }
        withBytes("TRANSFER-ENCODING: x\u{c1}\u{e1}") { b in
            XCTAssertTrue(asciiEqualsIgnoringCase(b, 0..<17, "transfer-encoding"), "word-at-a-time path")
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 0..<17, "transfer-encodinh"), "last byte differs")
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 0..<17, "transfar-encoding"), "a byte in the first word differs")
        }
        withBytes("@[\\]^_`{|}~ABCDEFGHIJKLMNOPQRSTUVWXYZ") { b in
            XCTAssertTrue(asciiEqualsIgnoringCase(b, 0..<37, "@[\\]^_`{|}~abcdefghijklmnopqrstuvwxyz"))
            XCTAssertFalse(asciiEqualsIgnoringCase(b, 0..<11, "`{|}~\u{7f}`{|}~"))
        }
        withBytes("") { b in XCTAssertTrue(asciiEqualsIgnoringCase(b, 0..<0, "")) }
        withBytes("abc") { b in XCTAssertFalse(asciiEqualsIgnoringCase(b, 2..<5, "abc"), "range past the end") }
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
