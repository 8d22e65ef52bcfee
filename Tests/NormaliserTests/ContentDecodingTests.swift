import XCTest
@testable import Normaliser

final class ContentDecodingTests: XCTestCase {
    let json = Array(#"{"error": "API key has been revoked"}"#.utf8)

    private func normalise(_ body: [UInt8], encoding: String?, cap: Int = 1 << 20) -> NormalisedError {
        Normaliser(bodyCap: cap).normalise(status: 401, contentEncoding: encoding, body: body, requestID: "r", now: testNow)
    }

    func testGzipBodyIsDecodedBeforeRecognition() {
        let result = normalise(zlibCompress(json, windowBits: 31), encoding: "gzip")
        XCTAssertEqual(result.shape, .errorString)
        XCTAssertEqual(result.envelope.code, "API_KEY_REVOKED")
        XCTAssertEqual(result.envelope.message, "API key has been revoked")
    }

    func testDeflateAcceptsZlibWrappedAndRawStreams() {
        for windowBits: Int32 in [15, -15] {
            let result = normalise(zlibCompress(json, windowBits: windowBits), encoding: "deflate")
            XCTAssertEqual(result.shape, .errorString, "windowBits \(windowBits)")
            XCTAssertEqual(result.envelope.code, "API_KEY_REVOKED")
        }
    }

    func testEncodingNamesAreCaseInsensitiveAndListsAreUndoneInReverse() {
        XCTAssertEqual(normalise(zlibCompress(json, windowBits: 31), encoding: " GZip ").shape, .errorString)
        XCTAssertEqual(normalise(zlibCompress(json, windowBits: 31), encoding: "x-gzip").shape, .errorString)
        XCTAssertEqual(normalise(json, encoding: "identity").shape, .errorString)
        let layered = zlibCompress(zlibCompress(json, windowBits: 15), windowBits: 31)
        XCTAssertEqual(normalise(layered, encoding: "deflate, gzip").shape, .errorString)
        XCTAssertEqual(normalise(layered, encoding: "gzip, deflate").shape, .other)
    }

    func testConcatenatedGzipMembersAreAllDecoded() {
        let first = zlibCompress(Array(#"{"error": "API key "#.utf8), windowBits: 31)
        let second = zlibCompress(Array(#"has expired"}"#.utf8), windowBits: 31)
        let result = normalise(first + second, encoding: "gzip")
        XCTAssertEqual(result.envelope.code, "API_KEY_EXPIRED")
    }

    func testUndecodableBodiesAreOther() {
        let gzip = zlibCompress(json, windowBits: 31)
        let cases: [(String, [UInt8], String?)] = [
            ("plain JSON labelled gzip", json, "gzip"),
            ("truncated gzip", Array(gzip.dropLast(10)), "gzip"),
            ("corrupted gzip", gzip.enumerated().map { $0.offset == 12 ? $0.element ^ 0xFF : $0.element }, "gzip"),
            ("gzip with trailing garbage", gzip + [1, 2, 3], "gzip"),
            ("unknown coding", json, "br"),
            ("empty gzip body", [], "gzip"),
            ("gzip labelled deflate", gzip, "deflate"),
        ]
        for (name, body, encoding) in cases {
            let result = normalise(body, encoding: encoding)
            XCTAssertEqual(result.shape, .other, name)
            XCTAssertEqual(result.envelope.code, "INVALID_API_KEY", name)
            XCTAssertEqual(result.envelope.message, "Authentication is required or the API key is invalid", name)
        }
    }

    func testZipBombIsStoppedAtTheCap() {
        // 8 MiB of spaces then a valid body: compresses to a few KiB, expands past a 1 MiB cap.
        let bomb = zlibCompress([UInt8](repeating: 0x20, count: 8 << 20) + json, windowBits: 31)
        XCTAssertLessThan(bomb.count, 64 * 1024)
        XCTAssertEqual(normalise(bomb, encoding: "gzip").shape, .other)
        XCTAssertEqual(normalise(bomb, encoding: "gzip", cap: 9 << 20).shape, .errorString)
    }

    func testDecodedOutputExactlyAtTheCapIsAccepted() {
        let padded = [UInt8](repeating: 0x20, count: 500) + json
        let gzip = zlibCompress(padded, windowBits: 31)
        XCTAssertLessThan(gzip.count, padded.count)
        XCTAssertEqual(ContentDecoder.decode(gzip, contentEncoding: "gzip", limit: padded.count), padded)
        XCTAssertNil(ContentDecoder.decode(gzip, contentEncoding: "gzip", limit: padded.count - 1))
        XCTAssertNil(ContentDecoder.decode(gzip, contentEncoding: "gzip", limit: gzip.count - 1), "the encoded body is capped too")
    }
}
