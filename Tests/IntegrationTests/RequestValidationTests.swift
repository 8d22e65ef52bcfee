import Foundation
import XCTest

/// Raw-socket tests of sluice's strict HTTP/1.1 parsing: smuggling vectors, size limits and slow clients.
final class RequestValidationTests: IntegrationTestCase {
    /// Sends `raw` on a fresh connection and checks: a 400 BAD_REQUEST envelope followed by a close, or a clean
    /// close without a response; and that the upstream saw nothing.
    private func assertRejected(_ raw: String, _ vector: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let hitsBefore = try upstream.hits()
        let client = try connectToSluice()
        client.send(raw)
        let response: HTTPResponse?
        do {
            response = try client.readResponse()
        } catch {
            return XCTFail("\(vector): no clean answer: \(error)", file: file, line: line)
        }
        if let response {
            assertEnvelope(response, status: 400, code: "BAD_REQUEST", file: file, line: line)
            XCTAssertTrue(client.waitForClose(timeout: 5), "\(vector): connection left open after its response", file: file, line: line)
        }
        XCTAssertEqual(try upstream.hits(), hitsBefore, "\(vector) reached the upstream", file: file, line: line)
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try startSluice { $0.server = ["max_header_bytes: 1KiB", "max_body_bytes: 1KiB", "client_timeout: 2s"] }
    }

    func testConflictingContentLengthsAreRejected() throws {
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde", "CL 3 + CL 5")
    }

    func testDuplicateContentLengthsAreRejected() throws {
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", "CL 3 + CL 3")
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc", "CL list")
    }

    func testContentLengthWithTransferEncodingIsRejected() throws {
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "CL + TE")
    }

    func testTransferEncodingNotEndingInChunkedIsRejected() throws {
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc", "TE: gzip")
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", "TE: chunked, gzip")
    }

    func testWhitespaceBeforeColonIsRejected() throws {
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", "TE with space before colon")
    }

    func testObsoleteLineFoldingIsRejected() throws {
        try assertRejected("GET /echo HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n  b\r\n\r\n", "obs-fold")
    }

    func testBareLineFeedIsRejected() throws {
        try assertRejected("GET /echo HTTP/1.1\r\nHost: x\nX-A: 1\r\n\r\n", "bare LF in a header line")
        try assertRejected("GET /echo HTTP/1.1\nHost: x\n\n", "bare LF everywhere")
    }

    func testInvalidCharactersAreRejected() throws {
        try assertRejected("GET /echo HTTP/1.1\r\nHost: x\r\nX-Fo@o: 1\r\n\r\n", "@ in a field name")
        try assertRejected("GET /echo HTTP/1.1\r\nHost: x\r\nX Foo: 1\r\n\r\n", "space in a field name")
        try assertRejected("GET /echo HTTP/1.1\r\nHost: x\r\nX-Foo: a\u{01}b\r\n\r\n", "control character in a value")
    }

    func testMissingHostOnHTTP11IsRejected() throws {
        try assertRejected("GET /echo HTTP/1.1\r\nX-A: 1\r\n\r\n", "no Host")
    }

    func testNegativeOrNonNumericContentLengthIsRejected() throws {
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "CL -1")
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "CL abc")
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", "CL +3")
    }

    func testConnectInAnyFormIsRejected() throws {
        try assertRejected("CONNECT /echo HTTP/1.1\r\nHost: x\r\n\r\n", "CONNECT in origin-form")
        try assertRejected("CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n", "CONNECT in authority-form")
        try assertRejected("connect /echo HTTP/1.1\r\nHost: x\r\n\r\n", "CONNECT in lowercase")
        try assertRejected("CONNECT * HTTP/1.1\r\nHost: x\r\n\r\n", "CONNECT *")
    }

    func testRequestTargetWithAFragmentIsRejected() throws {
        try assertRejected("GET /echo#frag HTTP/1.1\r\nHost: x\r\n\r\n", "fragment")
        try assertRejected("GET /echo?a=1#frag HTTP/1.1\r\nHost: x\r\n\r\n", "fragment after a query")
        try assertRejected("POST /echo# HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", "empty fragment")
    }

    func testAValidRequestStillPassesOnTheSameSluice() throws {
        let before = try upstream.hits()
        let (_, echoed) = try echo(try connectToSluice(), "POST", body: Array("hello".utf8))
        XCTAssertEqual(echoed.bodyLength, 5)
        XCTAssertEqual(try upstream.hits(), before + 1)
    }

    func testHeaderBlockOverTheLimitGets431() throws {
        let before = try upstream.hits()
        let client = try connectToSluice()
        let response = try client.request("GET", "/echo", headers: [("X-Big", String(repeating: "b", count: 2_000))])
        assertEnvelope(response, status: 431, code: "HEADERS_TOO_LARGE")
        XCTAssertEqual(try upstream.hits(), before)
    }

    func testDeclaredBodyOverTheLimitGets413WithoutBeingForwarded() throws {
        let before = try upstream.hits()
        let client = try connectToSluice()
        // The body is never sent: sluice must answer from the declared length alone.
        client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n")
        assertEnvelope(try client.readResponse(), status: 413, code: "PAYLOAD_TOO_LARGE")
        XCTAssertEqual(try upstream.hits(), before)
        let (_, small) = try echo(try connectToSluice(), "POST", body: [UInt8](repeating: 1, count: 1_000))
        XCTAssertEqual(small.bodyLength, 1_000)
    }

    func testChunkDeclaredPastTheBodyLimitGets413AtOnce() throws {
        let before = try upstream.hits()
        // 0x401 = 1025 bytes against max_body_bytes 1 KiB: refused from the chunk's size line, before its data.
        for (name, body) in [("first chunk", "401\r\nabc"), ("after 1000 bytes", "3e8\r\n" + String(repeating: "a", count: 1_000) + "\r\n19\r\n")] {
            let client = try connectToSluice()
            let started = Date()
            client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
            assertEnvelope(try client.readResponse(), status: 413, code: "PAYLOAD_TOO_LARGE")
            XCTAssertLessThan(Date().timeIntervalSince(started), 1.5, "\(name): waited for the chunk's bytes")
            XCTAssertTrue(client.waitForClose(timeout: 5), "\(name): connection left open after 413")
        }
        XCTAssertEqual(try upstream.hits(), before)
        let (_, small) = try echo(try connectToSluice(), "POST", headers: [("Transfer-Encoding", "chunked")],
                                  body: Array("3e8\r\n\(String(repeating: "b", count: 1_000))\r\n0\r\n\r\n".utf8))
        XCTAssertEqual(small.bodyLength, 1_000)
    }

    func testHeadSentOneByteASecondGets408AfterClientTimeout() throws {
        let before = try upstream.hits()
        let client = try connectToSluice()
        let head = Array("GET /echo HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa\r\n\r\n".utf8)
        let started = Date()
        var response: HTTPResponse?
        var closedWithoutResponse = false
        client.setReadTimeout(1)
        // Real time is the point of this test: one byte, then up to one second waiting for sluice to answer.
        for byte in head where Date().timeIntervalSince(started) < 8 {
            guard client.send([byte]) else { break }
            do {
                response = try client.readResponse()
                if response == nil { closedWithoutResponse = true }
                break
            } catch RawHTTPClient.Failure.timeout(_) {
                continue
            }
        }
        client.setReadTimeout(10)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertFalse(closedWithoutResponse, "closed without a 408 after \(elapsed) s")
        assertEnvelope(response, status: 408, code: "REQUEST_TIMEOUT")
        XCTAssertGreaterThanOrEqual(elapsed, 1.5)
        XCTAssertLessThanOrEqual(elapsed, 5)
        XCTAssertTrue(client.waitForClose(timeout: 3), "connection left open after 408")
        XCTAssertEqual(try upstream.hits(), before)
        XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/after-slowloris").status, 200)
    }
}
