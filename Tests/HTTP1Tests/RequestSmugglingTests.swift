import HTTP1
import XCTest

/// Every request the proxy must refuse with 400, fed whole and byte by byte.
final class RequestSmugglingTests: XCTestCase {
    static let vectors: [(name: String, raw: String, reason: String)] = [
        (
            "duplicate equal Content-Length",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
            "Duplicate Content-Length header"
        ),
        (
            "duplicate differing Content-Length",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n",
            "Duplicate Content-Length header"
        ),
        (
            "list-form Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n",
            "Invalid Content-Length header"
        ),
        (
            "non-numeric Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n",
            "Invalid Content-Length header"
        ),
        (
            "hex Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n",
            "Invalid Content-Length header"
        ),
        (
            "negative Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
            "Invalid Content-Length header"
        ),
        (
            "plus-signed Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n",
            "Invalid Content-Length header"
        ),
        (
            "empty Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n",
            "Invalid Content-Length header"
        ),
        (
            "Content-Length with inner space", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 0\r\n\r\n",
            "Invalid Content-Length header"
        ),
        (
            "overflowing Content-Length",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            "Invalid Content-Length header"
        ),
        (
            "Content-Length then Transfer-Encoding",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            "Content-Length together with Transfer-Encoding"
        ),
        (
            "Transfer-Encoding then Content-Length",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
            "Content-Length together with Transfer-Encoding"
        ),
        (
            "gzip, chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "Unsupported Transfer-Encoding (only chunked is accepted)"
        ),
        (
            "chunked, chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
            "Unsupported Transfer-Encoding (only chunked is accepted)"
        ),
        (
            "identity", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n",
            "Unsupported Transfer-Encoding (only chunked is accepted)"
        ),
        (
            "chunked with parameter", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked;q=1\r\n\r\n",
            "Unsupported Transfer-Encoding (only chunked is accepted)"
        ),
        (
            "two Transfer-Encoding headers",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            "Multiple Transfer-Encoding headers"
        ),
        (
            "Transfer-Encoding on HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
            "Transfer-Encoding in an HTTP/1.0 message"
        ),
        (
            "space before colon", "GET / HTTP/1.1\r\nHost: h\r\nContent-Length : 5\r\n\r\n",
            "Whitespace between header field name and colon"
        ),
        ("tab before colon", "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", "Whitespace between header field name and colon"),
        (
            "obs-fold with space", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n 2\r\n\r\n",
            "Obsolete line folding in header section"
        ),
        (
            "obs-fold with tab", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\t2\r\n\r\n",
            "Obsolete line folding in header section"
        ),
        (
            "whitespace before first header", "GET / HTTP/1.1\r\n Host: h\r\n\r\n",
            "Obsolete line folding in header section"
        ),
        ("empty field name", "GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n", "Empty header field name"),
        ("field without colon", "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", "Header field without colon"),
        ("non-tchar in name", "GET / HTTP/1.1\r\nHost: h\r\nX(A): v\r\n\r\n", "Invalid character in header field name"),
        (
            "obs-text in name", "GET / HTTP/1.1\r\nHost: h\r\nX\u{e9}: v\r\n\r\n",
            "Invalid character in header field name"
        ),
        (
            "NUL in value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{0}b\r\n\r\n",
            "Invalid character in header field value"
        ),
        (
            "DEL in value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{7f}b\r\n\r\n",
            "Invalid character in header field value"
        ),
        (
            "vertical tab in value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{b}b\r\n\r\n",
            "Invalid character in header field value"
        ),
        ("bare LF after header", "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", "Bare LF in header section"),
        ("bare LF ending head", "GET / HTTP/1.1\r\nHost: h\r\n\n", "Bare LF in header section"),
        ("bare LF after request line", "GET / HTTP/1.1\nHost: h\r\n\r\n", "Invalid request line (after version)"),
        ("bare CR in value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n", "Bare CR in header section"),
        ("bare CR ending head", "GET / HTTP/1.1\r\nHost: h\r\n\rX", "Bare CR in header section"),
        ("bare CR after request line", "GET / HTTP/1.1\rHost: h\r\n\r\n", "Bare CR in request line"),
        ("bare LF before request line", "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", "Bare LF before the request line"),
        ("two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", "Multiple Host headers"),
        ("Host list", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", "Invalid Host header"),
        ("Host with userinfo", "GET / HTTP/1.1\r\nHost: user@evil\r\n\r\n", "Invalid Host header"),
        ("Host with path", "GET / HTTP/1.1\r\nHost: h/x\r\n\r\n", "Invalid Host header"),
        ("Host with inner space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "Invalid Host header"),
        ("missing Host", "GET / HTTP/1.1\r\n\r\n", "Missing Host header"),
        (
            "double space after method", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
            "Invalid request target (only origin-form is accepted)"
        ),
        ("double space before version", "GET /  HTTP/1.1\r\nHost: h\r\n\r\n", "Invalid HTTP version"),
        ("tab separator", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", "Invalid request line (method)"),
        ("leading space", " GET / HTTP/1.1\r\nHost: h\r\n\r\n", "Invalid request line (method)"),
        ("non-tchar method", "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", "Invalid request line (method)"),
        (
            "absolute-form target", "GET http://evil/ HTTP/1.1\r\nHost: h\r\n\r\n",
            "Invalid request target (only origin-form is accepted)"
        ),
        (
            "authority-form target", "CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n",
            "CONNECT is not supported (sluice is a reverse proxy)"
        ),
        (
            "authority-form target with another method", "GET h:443 HTTP/1.1\r\nHost: h\r\n\r\n",
            "Invalid request target (only origin-form is accepted)"
        ),
        (
            "CONNECT in origin-form", "CONNECT /echo HTTP/1.1\r\nHost: h\r\n\r\n",
            "CONNECT is not supported (sluice is a reverse proxy)"
        ),
        (
            "CONNECT in lowercase", "connect /echo HTTP/1.1\r\nHost: h\r\n\r\n",
            "CONNECT is not supported (sluice is a reverse proxy)"
        ),
        (
            "CONNECT asterisk", "CONNECT * HTTP/1.1\r\nHost: h\r\n\r\n",
            "CONNECT is not supported (sluice is a reverse proxy)"
        ),
        (
            "fragment", "GET /echo#frag HTTP/1.1\r\nHost: h\r\n\r\n",
            "Fragment (#) in request target (a client never sends one)"
        ),
        (
            "fragment after a query, past a word boundary", "GET /echo/abcdefgh?q=1#x HTTP/1.1\r\nHost: h\r\n\r\n",
            "Fragment (#) in request target (a client never sends one)"
        ),
        (
            "empty fragment", "GET /# HTTP/1.1\r\nHost: h\r\n\r\n",
            "Fragment (#) in request target (a client never sends one)"
        ),
        (
            "asterisk for GET", "GET * HTTP/1.1\r\nHost: h\r\n\r\n",
            "Invalid request target (* is only valid for OPTIONS)"
        ),
        (
            "asterisk with suffix", "OPTIONS *x HTTP/1.1\r\nHost: h\r\n\r\n",
            "Invalid request target (* is only valid for OPTIONS)"
        ),
        ("DEL in target", "GET /a\u{7f} HTTP/1.1\r\nHost: h\r\n\r\n", "Invalid character in request target"),
        ("obs-text in target", "GET /caf\u{e9} HTTP/1.1\r\nHost: h\r\n\r\n", "Invalid character in request target"),
        ("tab in target", "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", "Invalid character in request target"),
        ("missing version", "GET /\r\nHost: h\r\n\r\n", "Invalid character in request target"),
        ("HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", "Unsupported HTTP version"),
        ("HTTP/1.2", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", "Unsupported HTTP version"),
        ("HTTP/0.9", "GET / HTTP/0.9\r\nHost: h\r\n\r\n", "Unsupported HTTP version"),
        ("lowercase version", "GET / http/1.1\r\nHost: h\r\n\r\n", "Invalid HTTP version"),
        ("HTTP/1.10", "GET / HTTP/1.10\r\nHost: h\r\n\r\n", "Invalid request line (after version)"),
        ("space after version", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", "Invalid request line (after version)"),
    ]

    func testEverySmugglingVectorIsABadRequestWithItsReason() {
        for vector in Self.vectors {
            XCTAssertEqual(parseRequest(vector.raw).error, .badRequest(vector.reason), vector.name)
        }
    }

    func testEverySmugglingVectorFailsTheSameWayByteByByte() {
        for vector in Self.vectors {
            XCTAssertEqual(
                parseRequestByteByByte(Array(vector.raw.utf8)).0.error, .badRequest(vector.reason), vector.name)
        }
    }

    func testByteErrorsFailAsSoonAsTheOffendingByteArrives() {
        let cases: [(String, String)] = [
            ("GET / HTTP/1.1\r\nHost: h\n", "bare LF"),
            ("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}", "NUL"),
            ("GET / HTTP/1.1\r\nHost: h\r\n ", "obs-fold"),
            ("GET / HTTP/1.1\r\nHost ", "space before colon"),
            ("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n", "duplicate CL"),
            ("GET / HTTP/2", "version"),
            ("GET h", "absolute-form"),
            ("CONNECT ", "CONNECT"),
            ("GET /a#", "fragment"),
        ]
        for (raw, name) in cases {
            let (outcome, fed) = parseRequestByteByByte(Array(raw.utf8))
            XCTAssertNotNil(outcome.error, name)
            XCTAssertEqual(fed, raw.utf8.count, name)
        }
    }

    /// Names with `_` that an upstream folding `_` into `-` (CGI, WSGI) would read as framing or as the
    /// client's address. The parser gives them no meaning (the framing is sluice's own); the forwarding
    /// policy drops them (`RequestHeaderPolicyTests`, `ForwardingPolicyTests`).
    func testUnderscoreLookAlikesNeverDecideTheFraming() {
        let raw = "POST / HTTP/1.1\r\nHost: h\r\nTransfer_Encoding: chunked\r\nContent_Length: 7\r\n"
            + "X_Forwarded_For: 6.6.6.6\r\nContent-Length: 3\r\n\r\nabc"
        guard case .complete(let head) = parseRequest(raw) else { return XCTFail("not parsed") }
        XCTAssertEqual(head.framing, .contentLength(3))
        XCTAssertEqual(head.headers.map { $0[0] }, ["Host", "Transfer_Encoding", "Content_Length", "X_Forwarded_For", "Content-Length"])
        guard case .complete(let bare) = parseRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer_Encoding: chunked\r\n\r\n") else {
            return XCTFail("not parsed")
        }
        XCTAssertEqual(bare.framing, .none, "Transfer_Encoding read as Transfer-Encoding")
    }
}
