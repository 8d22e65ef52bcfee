import HTTP1
import XCTest

final class ResponseHeadParserTests: XCTestCase {
    func testFramingMatrix() {
        let cl = "Content-Length: 10\r\n"
        let te = "Transfer-Encoding: chunked\r\n"
        let cases: [(status: String, headers: String, head: Bool, framing: BodyFraming, keepAlive: Bool)] = [
            ("200 OK", cl, false, .contentLength(10), true),
            ("200 OK", te, false, .chunked, true),
            ("200 OK", "", false, .untilClose, false),
            ("200 OK", cl, true, .none, true),
            ("200 OK", te, true, .none, true),
            ("200 OK", "", true, .none, true),
            ("204 No Content", "", false, .none, true),
            ("204 No Content", cl, false, .none, true),
            ("304 Not Modified", cl, false, .none, true),
            ("304 Not Modified", te, false, .none, true),
            ("100 Continue", "", false, .none, true),
            ("103 Early Hints", "Link: </a>\r\n", false, .none, true),
            ("101 Switching Protocols", "", false, .none, true),
            ("404 Not Found", cl, false, .contentLength(10), true),
            ("500 Internal Server Error", "", false, .untilClose, false),
            ("302 Found", "Content-Length: 0\r\n", false, .contentLength(0), true),
            ("200 OK", cl + "Connection: close\r\n", false, .contentLength(10), false),
            ("200 OK", te + "Connection: keep-alive\r\n", false, .chunked, true),
        ]
        for c in cases {
            let raw = "HTTP/1.1 \(c.status)\r\n\(c.headers)\r\n"
            guard case .complete(let head) = parseResponse(raw, requestWasHEAD: c.head) else {
                XCTFail("\(raw): \(parseResponse(raw))")
                continue
            }
            XCTAssertEqual(head.framing, c.framing, raw)
            XCTAssertEqual(head.keepAlive, c.keepAlive, raw)
            XCTAssertEqual(head.length, raw.utf8.count, raw)
            XCTAssertEqual(parseResponseByteByByte(raw, requestWasHEAD: c.head), .complete(head), raw)
        }
    }

    func testHTTP10KeepsAliveOnlyWhenAsked() {
        let cases: [(String, Bool)] = [
            ("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", false),
            ("HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: Keep-Alive\r\n\r\n", true),
            ("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", false),  // until close
        ]
        for (raw, expected) in cases {
            guard case .complete(let head) = parseResponse(raw) else {
                XCTFail(raw)
                continue
            }
            XCTAssertEqual(head.version, .http1_0)
            XCTAssertEqual(head.keepAlive, expected, raw)
        }
    }

    func testStatusLineVariants() {
        let cases: [(String, Int)] = [
            ("HTTP/1.1 200 OK\r\n\r\n", 200),
            ("HTTP/1.1 200 \r\n\r\n", 200),
            ("HTTP/1.1 204\r\n\r\n", 204),
            ("HTTP/1.1 418 I'm a teapot \t(really)\r\n\r\n", 418),
            ("HTTP/1.1 599 x\r\n\r\n", 599),
            ("HTTP/1.1 200 caf\u{e9}\r\n\r\n", 200),
        ]
        for (raw, status) in cases {
            guard case .complete(let head) = parseResponse(raw) else {
                XCTFail("\(raw): \(parseResponse(raw))")
                continue
            }
            XCTAssertEqual(head.status, status, raw)
        }
    }

    func testHeadersAndContentEncodingIndex() {
        let raw =
            "HTTP/1.1 200 OK\r\nServer:  x \r\nContent-Encoding: gzip\r\ncontent-encoding: br\r\n"
            + "Content-Length: 2\r\n\r\nhi"
        guard case .complete(let head) = parseResponse(raw) else { return XCTFail() }
        XCTAssertEqual(
            head.headers,
            [["Server", "x"], ["Content-Encoding", "gzip"], ["content-encoding", "br"], ["Content-Length", "2"]])
        XCTAssertEqual(head.contentEncoding, "gzip")
        XCTAssertEqual(head.length, raw.utf8.count - 2)
    }

    func testEqualDuplicateContentLengthIsTolerated() {
        guard
            case .complete(let head) = parseResponse(
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n")
        else { return XCTFail() }
        XCTAssertEqual(head.framing, .contentLength(3))
    }

    func testInterimResponseThenFinalResponseInOneBuffer() {
        let bytes = Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n".utf8)
        var parser = ResponseHeadParser(maxHeaderBytes: 1024)
        bytes.withUnsafeBytes { all in
            guard case .complete(let interim) = parser.parse(all, requestWasHEAD: false) else { return XCTFail() }
            XCTAssertEqual(interim.status, 100)
            parser.reset()
            let rest = UnsafeRawBufferPointer(rebasing: all[interim.length...])
            guard case .complete(let final) = parser.parse(rest, requestWasHEAD: false) else { return XCTFail() }
            XCTAssertEqual(final.status, 201)
            XCTAssertEqual(interim.length + final.length, all.count)
        }
    }

    func testMalformedResponsesAreRejected() {
        let cases: [(String, HTTPParseError)] = [
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
                .badRequest("Conflicting Content-Length headers")
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
                .badRequest("Content-Length together with Transfer-Encoding")
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
                .badRequest("Content-Length together with Transfer-Encoding")
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                .badRequest("Unsupported Transfer-Encoding (only chunked is accepted)")
            ),
            (
                "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                .badRequest("Transfer-Encoding in an HTTP/1.0 message")
            ),
            ("HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n", .badRequest("Invalid Content-Length header")),
            ("HTTP/1.1 200 OK\r\nX : y\r\n\r\n", .badRequest("Whitespace between header field name and colon")),
            ("HTTP/1.1 200 OK\r\nX: y\r\n z\r\n\r\n", .badRequest("Obsolete line folding in header section")),
            ("HTTP/1.1 200 OK\r\nX: y\n\r\n", .badRequest("Bare LF in header section")),
            ("HTTP/1.1 200 OK\nX: y\r\n\r\n", .badRequest("Bare LF in status line")),
            ("HTTP/1.1 200 O\rK\r\n\r\n", .badRequest("Bare CR in status line")),
            ("HTTP/1.1 200 O\u{0}K\r\n\r\n", .badRequest("Invalid character in reason phrase")),
            ("HTTP/1.1 20 OK\r\n\r\n", .badRequest("Invalid status code")),
            ("HTTP/1.1 2000 OK\r\n\r\n", .badRequest("Invalid status code")),
            ("HTTP/1.1 099 OK\r\n\r\n", .badRequest("Invalid status code")),
            ("HTTP/1.1 600 OK\r\n\r\n", .badRequest("Invalid status code")),
            ("HTTP/1.1  200 OK\r\n\r\n", .badRequest("Invalid status code")),
            ("HTTP/2 200 OK\r\n\r\n", .badRequest("Unsupported HTTP version")),
            ("HTTP/1.1\r\n\r\n", .badRequest("Invalid status line (after version)")),
            ("http/1.1 200 OK\r\n\r\n", .badRequest("Invalid HTTP version")),
            ("\r\nHTTP/1.1 200 OK\r\n\r\n", .badRequest("Invalid HTTP version")),
        ]
        for (raw, error) in cases {
            XCTAssertEqual(parseResponse(raw).error, error, raw)
            XCTAssertEqual(parseResponseByteByByte(raw).error, error, raw)
        }
    }

    func testResponseHeadOverTheLimitIsTooLarge() {
        let raw = "HTTP/1.1 200 OK\r\nX: " + String(repeating: "v", count: 100) + "\r\n\r\n"
        XCTAssertEqual(parseResponse(raw, maxHeaderBytes: 64).error, .headersTooLarge)
        XCTAssertEqual(parseResponse(String(raw.prefix(40)), maxHeaderBytes: 64), .incomplete)
    }
}
