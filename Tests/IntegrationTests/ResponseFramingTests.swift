import Foundation
import XCTest

/// Upstream responses framed in the less common ways still reach the client whole, on a usable connection.
final class ResponseFramingTests: IntegrationTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try startSluice()
    }

    func testCloseDelimitedUpstreamResponseArrivesWhole() throws {
        let response = try send(try connectToSluice(), "GET", "/bytes?n=200000&framing=close")
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.body == Self.patternBytes(200_000), "close-delimited body differs (\(response.body.count) bytes)")
    }

    func testNoContentResponseHasNoBodyAndTheConnectionStaysUsable() throws {
        let client = try connectToSluice()
        let noContent = try send(client, "GET", "/status/204")
        XCTAssertEqual(noContent.status, 204)
        XCTAssertTrue(noContent.body.isEmpty)
        XCTAssertEqual(try send(client, "GET", "/v1/after-204").status, 200)
    }

    func testEmptyAndSmallBodiesKeepTheirFraming() throws {
        let client = try connectToSluice()
        let empty = try send(client, "GET", "/bytes?n=0")
        XCTAssertEqual(empty.status, 200)
        XCTAssertTrue(empty.body.isEmpty)
        let emptyChunked = try send(client, "GET", "/bytes?n=0&chunked=1")
        XCTAssertEqual(emptyChunked.status, 200)
        XCTAssertTrue(emptyChunked.body.isEmpty)
        let one = try send(client, "GET", "/bytes?n=1")
        XCTAssertEqual(one.body, [0])
    }

    func testEmptyRequestBodiesAreForwarded() throws {
        let client = try connectToSluice()
        let (_, zeroLength) = try echo(client, "POST", headers: [("Content-Length", "0")])
        XCTAssertEqual(zeroLength.bodyLength, 0)
        let (_, zeroChunked) = try echo(client, "POST", headers: [("Transfer-Encoding", "chunked")], body: Array("0\r\n\r\n".utf8))
        XCTAssertEqual(zeroChunked.bodyLength, 0)
        XCTAssertEqual(try send(client, "GET", "/v1/after-empty-bodies").status, 200)
    }
}
