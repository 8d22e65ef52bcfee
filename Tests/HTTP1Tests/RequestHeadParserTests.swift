import HTTP1
import XCTest

final class RequestHeadParserTests: XCTestCase {
    func testEveryMethodIsAcceptedWithItsTargetAndVersion() {
        for method in ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PURGE", "M-SEARCH"] {
            let raw = "\(method) /a/b?q=1&r=%20x HTTP/1.1\r\nHost: example.com\r\n\r\n"
            guard case .complete(let head) = parseRequest(raw) else {
                return XCTFail("\(method) was not accepted: \(parseRequest(raw))")
            }
            XCTAssertEqual(head.method, method)
            XCTAssertEqual(head.target, "/a/b?q=1&r=%20x")
            XCTAssertEqual(head.version, .http1_1)
            XCTAssertEqual(head.length, raw.utf8.count)
            XCTAssertEqual(head.framing, BodyFraming.none)
            XCTAssertTrue(head.keepAlive)
            XCTAssertEqual(head.isHEAD, method == "HEAD")
            XCTAssertEqual(head.host, "example.com")
        }
    }

    func testOptionsAsteriskIsAccepted() {
        guard case .complete(let head) = parseRequest("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n") else {
            return XCTFail("OPTIONS * rejected")
        }
        XCTAssertEqual(head.target, "*")
    }

    func testHeadersAreReturnedInOrderAndTrimmedOfOptionalWhitespace() {
        let raw =
            "POST /x HTTP/1.1\r\nHost:h\r\nX-A: \t value with  inner \t \r\nX-Empty:\r\nX-Blank:   \r\n"
            + "X-Obs: caf\u{e9}\r\nContent-Length: 3\r\n\r\nabc"
        guard case .complete(let head) = parseRequest(raw) else { return XCTFail("\(parseRequest(raw))") }
        XCTAssertEqual(
            head.headers,
            [
                ["Host", "h"], ["X-A", "value with  inner"], ["X-Empty", ""], ["X-Blank", ""],
                ["X-Obs", "caf\u{e9}"], ["Content-Length", "3"],
            ])
        XCTAssertEqual(head.framing, .contentLength(3))
        XCTAssertEqual(head.length, raw.utf8.count - 3)
    }

    func testHostFormsAreAccepted() {
        for host in [
            "example.com", "example.com:8080", "127.0.0.1:80", "[::1]:8443", "xn--bcher-kva.example", "a_b.local", "",
        ] {
            guard case .complete(let head) = parseRequest("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n") else {
                XCTFail(host)
                continue
            }
            XCTAssertEqual(head.host, host)
        }
    }

    func testHTTP10WithoutHostIsAcceptedAndNotKeptAlive() {
        guard case .complete(let head) = parseRequest("GET / HTTP/1.0\r\n\r\n") else { return XCTFail() }
        XCTAssertEqual(head.version, .http1_0)
        XCTAssertFalse(head.keepAlive)
        XCTAssertNil(head.host)
    }

    func testKeepAliveFollowsVersionAndConnectionTokens() {
        let cases: [(String, Bool)] = [
            ("GET / HTTP/1.1\r\nHost: h\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: h\r\nConnection: x-foo\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n", true),
            ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
            ("GET / HTTP/1.0\r\nConnection: Keep-Alive, close\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
        ]
        for (raw, expected) in cases {
            guard case .complete(let head) = parseRequest(raw) else {
                XCTFail(raw)
                continue
            }
            XCTAssertEqual(head.keepAlive, expected, raw)
        }
    }

    func testFramingFromContentLengthAndChunked() {
        let cases: [(String, BodyFraming)] = [
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", .contentLength(0)),
            ("POST / HTTP/1.1\r\nHost: h\r\ncontent-length: 1000000\r\n\r\n", .contentLength(1_000_000)),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 007\r\n\r\n", .contentLength(7)),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", .chunked),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:  CHUNKED \r\n\r\n", .chunked),
            ("POST / HTTP/1.1\r\nHost: h\r\n\r\n", .none),
        ]
        for (raw, expected) in cases {
            guard case .complete(let head) = parseRequest(raw) else {
                XCTFail("\(raw): \(parseRequest(raw))")
                continue
            }
            XCTAssertEqual(head.framing, expected, raw)
        }
    }

    func testExpectContinueIsReported() {
        guard
            case .complete(let yes) = parseRequest(
                "PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n"),
            case .complete(let no) = parseRequest("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n"),
            case .complete(let old) = parseRequest(
                "PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")
        else { return XCTFail() }
        XCTAssertTrue(yes.expectsContinue)
        XCTAssertFalse(no.expectsContinue)
        XCTAssertFalse(old.expectsContinue, "HTTP/1.0 expectations are ignored")
    }

    func testLeadingEmptyLinesAreSkippedAndCounted() {
        let raw = "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"
        guard case .complete(let head) = parseRequest(raw) else { return XCTFail() }
        XCTAssertEqual(head.method, "GET")
        XCTAssertEqual(head.length, raw.utf8.count)
        XCTAssertEqual(
            parseRequest(String(repeating: "\r\n", count: 5) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n").error,
            .badRequest("Too many empty lines before the request line"))
    }

    func testPipelinedHeadsParseOneAfterAnother() {
        let first = "POST /one HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
        let second = "GET /two HTTP/1.1\r\nHost: h\r\n\r\n"
        let third = "DELETE /three HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        let bytes = Array((first + second + third).utf8)
        var parser = RequestHeadParser(maxHeaderBytes: 8192, maxBodyBytes: 100)
        var offset = 0
        var seen: [ParsedRequest] = []
        bytes.withUnsafeBytes { all in
            while offset < all.count {
                let buffer = UnsafeRawBufferPointer(rebasing: all[offset...])
                guard case .complete(let head) = parser.parse(buffer) else { return XCTFail("at \(offset)") }
                seen.append(describe(head, buffer))
                if case .contentLength(let n) = head.framing { offset += n }
                offset += head.length
                parser.reset()
            }
        }
        XCTAssertEqual(seen.map(\.target), ["/one", "/two", "/three"])
        XCTAssertEqual(seen.map(\.keepAlive), [true, true, false])
        XCTAssertEqual(seen[1].length, second.utf8.count)
    }

    func testIncompleteHeadAsksForMoreBytes() {
        for prefix in [
            "", "G", "GET", "GET /", "GET / HTTP/1.", "GET / HTTP/1.1\r", "GET / HTTP/1.1\r\nHost: h\r\n",
            "GET / HTTP/1.1\r\nHost: h\r\n\r", "GET / HTTP/1.1\r\nHo",
        ] {
            XCTAssertEqual(parseRequest(prefix), .incomplete, prefix)
        }
    }

    func testByteByByteFeedingGivesTheSameHeadAsOnePiece() {
        let raws = [
            "GET /x?y HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nX-Pad:  a b  \r\n\r\n",
            "\r\nPOST /upload HTTP/1.1\r\nHost: h:8080\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
            "PATCH /p HTTP/1.0\r\nContent-Length: 12\r\nConnection: keep-alive\r\n\r\n",
        ]
        for raw in raws {
            let whole = parseRequest(raw)
            guard case .complete = whole else {
                XCTFail(raw)
                continue
            }
            let (incremental, fed) = parseRequestByteByByte(Array(raw.utf8))
            XCTAssertEqual(incremental, whole, raw)
            XCTAssertEqual(fed, raw.utf8.count, raw)
        }
    }

    func testEveryForbiddenByteIsFoundAtEveryOffsetOfALongTargetOrValue() {
        let requestLine = Array("GET /".utf8)
        let headStart = Array("GET / HTTP/1.1\r\nHost: h\r\nX-V: ".utf8)
        for offset in 0..<20 {
            let filler = [UInt8](repeating: UInt8(ascii: "a"), count: offset)
            let tail = [UInt8](repeating: UInt8(ascii: "b"), count: 10)
            for bad: UInt8 in [0x00, 0x09, 0x1F, 0x7F, 0x80, 0xFF] {
                let target = requestLine + filler + [bad] + tail + Array(" HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
                XCTAssertEqual(
                    parseRequest(target).error, .badRequest("Invalid character in request target"), "\(offset) \(bad)")
            }
            for bad: UInt8 in [0x00, 0x0B, 0x1F, 0x7F, 0x0A, 0x0D] {
                let value = headStart + filler + [bad] + tail + Array("\r\n\r\n".utf8)
                XCTAssertNotNil(parseRequest(value).error, "\(offset) \(bad)")
            }
            for fine: UInt8 in [0x09, 0x20, 0x80, 0xFF, 0x7E] {
                let value = headStart + filler + [fine] + tail + Array("\r\n\r\n".utf8)
                guard case .complete(let head) = parseRequest(value) else {
                    XCTFail("\(offset) \(fine)")
                    continue
                }
                XCTAssertEqual(head.headers[1][1].utf8.count > 0, true)
            }
        }
    }

    func testRequestsWithoutHostOnHTTP11AreRejected() {
        XCTAssertEqual(parseRequest("GET / HTTP/1.1\r\nX: y\r\n\r\n").error, .badRequest("Missing Host header"))
    }

    func testHeaderSectionOverTheLimitIs431() {
        let big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "a", count: 200) + "\r\n\r\n"
        XCTAssertEqual(parseRequest(big, maxHeaderBytes: 100).error, .headersTooLarge)
        XCTAssertEqual(parseRequestByteByByte(Array(big.utf8), maxHeaderBytes: 100).0.error, .headersTooLarge)
        XCTAssertEqual(parseRequestByteByByte(Array(big.utf8), maxHeaderBytes: 100).fed, 100)
        // Exactly at the limit is fine.
        guard case .complete = parseRequest(big, maxHeaderBytes: big.utf8.count) else { return XCTFail() }
        XCTAssertEqual(parseRequest(big, maxHeaderBytes: big.utf8.count - 1).error, .headersTooLarge)
        // A request line that never ends.
        XCTAssertEqual(
            parseRequest("GET /" + String(repeating: "a", count: 200), maxHeaderBytes: 100).error,
            .headersTooLarge)
    }

    func testTooManyHeaderFieldsIs431() {
        let fields = (0..<11).map { "X-\($0): v\r\n" }.joined()
        let raw = "GET / HTTP/1.1\r\nHost: h\r\n" + fields + "\r\n"
        XCTAssertEqual(parseRequest(raw, maxHeaderCount: 11).error, .headersTooLarge)
        guard case .complete = parseRequest(raw, maxHeaderCount: 12) else { return XCTFail() }
    }

    func testDeclaredBodyOverTheLimitIs413BeforeTheHeadEnds() {
        let raw = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\nX-More: 1\r\n"
        XCTAssertEqual(parseRequest(raw, maxBodyBytes: 1000).error, .payloadTooLarge)
        guard
            case .complete = parseRequest(
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n", maxBodyBytes: 1000)
        else { return XCTFail() }
    }

    func testParserIsReusableAfterReset() {
        var parser = RequestHeadParser(maxHeaderBytes: 1024, maxBodyBytes: 10)
        for _ in 0..<3 {
            Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8).withUnsafeBytes { buffer in
                guard case .complete(let head) = parser.parse(buffer) else { return XCTFail() }
                XCTAssertEqual(head.headers.count, 1)
            }
            parser.reset()
        }
        Array("GET / HTTP/1.1\r\nHost\r\n\r\n".utf8).withUnsafeBytes { buffer in
            guard case .failed = parser.parse(buffer) else { return XCTFail() }
            guard case .failed = parser.parse(buffer) else { return XCTFail("a failed parser stays failed") }
        }
    }
}
