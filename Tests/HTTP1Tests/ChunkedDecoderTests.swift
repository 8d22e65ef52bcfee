import HTTP1
import XCTest

/// Decodes `input` in pieces of `pieceSize` bytes; returns the body, the bytes consumed and whether finished.
private func decode(_ input: String, pieceSize: Int = Int.max, maxTrailerBytes: Int = 8192)
    -> Result<(body: [UInt8], consumed: Int, finished: Bool), HTTPParseError>
{
    let bytes = Array(input.utf8)
    var decoder = ChunkedDecoder(maxTrailerBytes: maxTrailerBytes)
    var body: [UInt8] = []
    var offset = 0
    var finished = false
    while offset < bytes.count && !finished {
        let end = offset + Swift.min(pieceSize, bytes.count - offset)
        let step = feed(&decoder, bytes[offset..<end], into: &body)
        switch step {
        case .failure(let error):
            return .failure(error)
        case .success(let result):
            XCTAssertLessThanOrEqual(result.consumed, end - offset)
            if !result.finished { XCTAssertEqual(result.consumed, end - offset, "an unfinished decode consumes all") }
            offset += result.consumed
            finished = result.finished
        }
    }
    XCTAssertEqual(decoder.decodedBytes, body.count)
    return .success((body, offset, finished))
}

/// Feeds one piece to the decoder, appending the data it reports to `body`.
func feed(_ decoder: inout ChunkedDecoder, _ piece: ArraySlice<UInt8>, into body: inout [UInt8])
    -> Result<(consumed: Int, finished: Bool), HTTPParseError>
{
    piece.withUnsafeBytes { bytes in
        do throws(HTTPParseError) {
            let result = try decoder.decode(bytes) { range in body.append(contentsOf: bytes[range]) }
            return .success(result)
        } catch {
            return .failure(error)
        }
    }
}

final class ChunkedDecoderTests: XCTestCase {
    static let valid: [(name: String, input: String, body: String)] = [
        ("one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello"),
        ("several chunks", "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n", "hello world"),
        ("hex sizes both cases", "a\r\n0123456789\r\nA\r\nabcdefghij\r\n0\r\n\r\n", "0123456789abcdefghij"),
        ("leading zeros", "0005\r\nhello\r\n000\r\n\r\n", "hello"),
        ("empty body", "0\r\n\r\n", ""),
        ("extensions", "5;name=value\r\nhello\r\n5 ; a ; b = \"q\\\"x\" ;c=d\r\nworld\r\n0;last\r\n\r\n", "helloworld"),
        ("trailers", "5\r\nhello\r\n0\r\nX-Sum: abc\r\nX-Other:  \r\n\r\n", "hello"),
        ("binary data with CRLF inside", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n"),
    ]

    func testValidBodiesDecodeInOnePieceAndByteByByte() {
        for vector in Self.valid {
            for pieceSize in [Int.max, 1, 2, 3, 7] {
                switch decode(vector.input, pieceSize: pieceSize) {
                case .success(let result):
                    XCTAssertEqual(
                        String(decoding: result.body, as: UTF8.self), vector.body, "\(vector.name) / \(pieceSize)")
                    XCTAssertEqual(result.consumed, vector.input.utf8.count, vector.name)
                    XCTAssertTrue(result.finished, vector.name)
                case .failure(let error):
                    XCTFail("\(vector.name) / \(pieceSize): \(error)")
                }
            }
        }
    }

    func testBytesAfterTheLastChunkAreLeftToTheCaller() {
        let body = "3\r\nabc\r\n0\r\n\r\n"
        let input = body + "GET / HTTP/1.1\r\n"
        guard case .success(let result) = decode(input) else { return XCTFail() }
        XCTAssertEqual(result.consumed, body.utf8.count)
        XCTAssertTrue(result.finished)
        XCTAssertEqual(result.body, Array("abc".utf8))
    }

    func testUnfinishedBodyReportsNotFinished() {
        guard case .success(let result) = decode("5\r\nhel") else { return XCTFail() }
        XCTAssertFalse(result.finished)
        XCTAssertEqual(result.body, Array("hel".utf8))
        guard case .success(let atTrailer) = decode("0\r\nX: y\r\n") else { return XCTFail() }
        XCTAssertFalse(atTrailer.finished)
    }

    static let invalid: [(name: String, input: String, reason: String)] = [
        ("empty size", "\r\nhello\r\n0\r\n\r\n", "Invalid chunk size"),
        ("signed size", "+5\r\nhello\r\n0\r\n\r\n", "Invalid chunk size"),
        ("negative size", "-5\r\nhello\r\n0\r\n\r\n", "Invalid chunk size"),
        ("0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", "Invalid chunk size"),
        ("non-hex size", "g\r\n", "Invalid chunk size"),
        ("leading space", " 5\r\nhello\r\n", "Invalid chunk size"),
        ("trailing space without extension", "5 \r\nhello\r\n", "Invalid chunk size"),
        ("overflowing size", "fffffffffffffffff\r\n", "Chunk size too large"),
        ("huge size", "8000000000000000\r\n", "Chunk size too large"),
        ("bare LF after size", "5\nhello\r\n0\r\n\r\n", "Invalid chunk size"),
        ("bare CR after size", "5\rhello\r\n", "Bare CR in chunk size line"),
        ("data longer than size", "3\r\nhello\r\n0\r\n\r\n", "Missing CRLF after chunk data"),
        ("LF only after data", "5\r\nhello\n0\r\n\r\n", "Missing CRLF after chunk data"),
        ("CR without LF after data", "5\r\nhello\rX", "Missing CRLF after chunk data"),
        ("empty extension name", "5;\r\nhello\r\n", "Invalid chunk extension"),
        ("bad extension name", "5;(x)\r\nhello\r\n", "Invalid chunk extension"),
        ("empty extension value", "5;a=\r\nhello\r\n", "Invalid chunk extension"),
        ("unterminated quoted value", "5;a=\"x\r\nhello\r\n", "Invalid chunk extension"),
        ("bare LF in extension", "5;a=b\nhello\r\n", "Invalid chunk extension"),
        (
            "extension too long", "5;a=" + String(repeating: "b", count: 5000) + "\r\nhello\r\n",
            "Chunk extension too long"
        ),
        ("obs-fold in trailer", "0\r\nX: a\r\n b\r\n\r\n", "Obsolete line folding in header section"),
        ("space before colon in trailer", "0\r\nX : a\r\n\r\n", "Whitespace between header field name and colon"),
        ("bare LF in trailer", "0\r\nX: a\n\r\n", "Bare LF in header section"),
        ("bare LF ending trailer", "0\r\n\n", "Bare LF in header section"),
        ("NUL in trailer", "0\r\nX: a\u{0}\r\n\r\n", "Invalid character in header field value"),
    ]

    func testInvalidBodiesThrowInOnePieceAndByteByByte() {
        for vector in Self.invalid {
            for pieceSize in [Int.max, 1] {
                switch decode(vector.input, pieceSize: pieceSize) {
                case .success: XCTFail("\(vector.name) / \(pieceSize) was accepted")
                case .failure(let error):
                    XCTAssertEqual(error, .badRequest(vector.reason), "\(vector.name) / \(pieceSize)")
                }
            }
        }
    }

    func testTrailerSectionIsBounded() {
        let trailer = "X-Long: " + String(repeating: "t", count: 100) + "\r\n"
        let input = "0\r\n" + trailer + "\r\n"
        guard case .success = decode(input, maxTrailerBytes: trailer.utf8.count + 2) else { return XCTFail() }
        for pieceSize in [Int.max, 1] {
            guard case .failure(let error) = decode(input, pieceSize: pieceSize, maxTrailerBytes: 50) else {
                XCTFail("oversized trailer accepted")
                continue
            }
            XCTAssertEqual(error, .badRequest("Chunked trailer section too large"))
        }
    }

    func testDecoderStaysFailedAfterAnError() {
        var decoder = ChunkedDecoder()
        var body: [UInt8] = []
        let bytes = Array("x\r\n5\r\nhello\r\n".utf8)
        guard case .failure = feed(&decoder, bytes[...], into: &body) else { return XCTFail() }
        guard case .failure = feed(&decoder, bytes[3...], into: &body) else {
            return XCTFail("a failed decoder stays failed")
        }
        XCTAssertEqual(body, [])
    }

    func testDecodedBytesCountsAcrossCalls() {
        var decoder = ChunkedDecoder()
        var body: [UInt8] = []
        for piece in ["10\r\n0123456", "789abcdef\r\n3\r\nxyz\r\n"] {
            guard case .success(let result) = feed(&decoder, Array(piece.utf8)[...], into: &body) else {
                return XCTFail()
            }
            XCTAssertFalse(result.finished)
        }
        XCTAssertEqual(decoder.decodedBytes, 19)
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "0123456789abcdefxyz")
    }

    func testChunkDeclaredPastTheDataLimitFailsFromItsSizeAlone() {
        var decoder = ChunkedDecoder(maxDataBytes: 20)
        var body: [UInt8] = []
        guard case .success = feed(&decoder, Array("10\r\n0123456789abcdef\r\n".utf8)[...], into: &body) else { return XCTFail() }
        // 16 decoded, 5 more declared: refused on the size digit, no data or line end needed.
        guard case .failure(let error) = feed(&decoder, Array("5".utf8)[...], into: &body) else {
            return XCTFail("a chunk past the limit was accepted")
        }
        XCTAssertEqual(error, .payloadTooLarge)
        guard case .failure(.payloadTooLarge) = feed(&decoder, Array("\r\n".utf8)[...], into: &body) else {
            return XCTFail("a failed decoder stays failed")
        }
    }

    func testChunksUpToTheDataLimitAreAccepted() {
        var decoder = ChunkedDecoder(maxDataBytes: 19)
        var body: [UInt8] = []
        guard case .success(let result) = feed(&decoder, Array("10\r\n0123456789abcdef\r\n3\r\nxyz\r\n0\r\n\r\n".utf8)[...], into: &body) else {
            return XCTFail()
        }
        XCTAssertTrue(result.finished)
        XCTAssertEqual(body.count, 19)
    }
}
