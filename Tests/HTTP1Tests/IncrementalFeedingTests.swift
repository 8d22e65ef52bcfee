import HTTP1
import XCTest

/// Feeding a message in arbitrary pieces must give exactly the outcome of feeding it whole.
final class IncrementalFeedingTests: XCTestCase {
    /// A small deterministic generator so failures reproduce.
    private struct SplitMix {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    private func parseInRandomPieces(_ bytes: [UInt8], seed: UInt64) -> Outcome<ParsedRequest> {
        var rng = SplitMix(state: seed)
        var parser = RequestHeadParser(maxHeaderBytes: defaultMaxHeaderBytes, maxBodyBytes: defaultMaxBodyBytes)
        var end = 0
        while true {
            end = Swift.min(bytes.count, end + rng.next(12))
            let outcome: Outcome<ParsedRequest> = bytes[0..<end].withUnsafeBytes { buffer in
                switch parser.parse(buffer) {
                case .incomplete: return .incomplete
                case .complete(let head): return .complete(describe(head, buffer))
                case .failed(let error): return .failed(error)
                }
            }
            if outcome != .incomplete || end == bytes.count { return outcome }
        }
    }

    func testRandomPiecesAgreeWithWholeForValidAndInvalidRequests() {
        let valid = [
            "GET /x?y HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nX-Pad:  a b  \r\nUser-Agent: test/1.0 (x; y)\r\n\r\n",
            "\r\n\r\nPOST /upload HTTP/1.1\r\nHost: h:8080\r\nTransfer-Encoding: chunked\r\n"
                + "Expect: 100-continue\r\n\r\n",
            "PATCH /p HTTP/1.0\r\nContent-Length: 12\r\nConnection: keep-alive\r\nX-Long: "
                + String(repeating: "0123456789abcdef\t ", count: 20) + "\r\n\r\n",
        ]
        let inputs = valid + RequestSmugglingTests.vectors.map(\.raw)
        for raw in inputs {
            let whole = parseRequest(raw)
            for seed in UInt64(1)...20 {
                XCTAssertEqual(parseInRandomPieces(Array(raw.utf8), seed: seed), whole, "\(raw) seed \(seed)")
            }
        }
    }

    func testPipelinedRequestWithChunkedBodyThenNextRequest() {
        let first = "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        let body = "4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n"
        let second = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n"
        let bytes = Array((first + body + second).utf8)
        var parser = RequestHeadParser(maxHeaderBytes: 1024, maxBodyBytes: 1024)
        bytes.withUnsafeBytes { all in
            guard case .complete(let head) = parser.parse(all) else { return XCTFail() }
            XCTAssertEqual(head.framing, .chunked)
            XCTAssertEqual(head.length, first.utf8.count)
            var decoder = ChunkedDecoder()
            var data: [UInt8] = []
            let rest = UnsafeRawBufferPointer(rebasing: all[head.length...])
            guard let result = try? decoder.decode(rest, onData: { data += rest[$0] }) else { return XCTFail() }
            XCTAssertTrue(result.finished)
            XCTAssertEqual(result.consumed, body.utf8.count)
            XCTAssertEqual(String(decoding: data, as: UTF8.self), "Wikipedia")
            parser.reset()
            let next = UnsafeRawBufferPointer(rebasing: all[(head.length + result.consumed)...])
            guard case .complete(let head2) = parser.parse(next) else { return XCTFail() }
            XCTAssertEqual(text(next, head2.target), "/b")
        }
    }

    func testPayloadTooLargeIsReportedAtTheEndOfTheContentLengthLine() {
        let head = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2000\r\n"
        let (outcome, fed) = parseRequestByteByByte(Array((head + "X: y\r\n\r\n").utf8), maxBodyBytes: 1000)
        XCTAssertEqual(outcome, .failed(.payloadTooLarge))
        XCTAssertEqual(fed, head.utf8.count)
    }
}
