import Foundation
import XCTest

/// Upstream responses framed in the less common ways still reach the client whole, on a usable connection.
final class ResponseFramingTests: IntegrationTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try startSluice()
    }

    func testCloseDelimitedUpstreamResponseArrivesWhole() throws {
        for size in [0, 1_000, 65_536, 70_000, 200_000] {
            let client = try connectToSluice(timeout: 5)
            do {
                let response = try send(client, "GET", "/bytes?n=\(size)&framing=close")
                XCTAssertEqual(response.status, 200)
                XCTAssertTrue(response.body == Self.patternBytes(size), "\(size) close-delimited bytes arrived as \(response.body.count)")
            } catch {
                XCTFail("\(size) close-delimited bytes: no complete response: \(error)")
            }
        }
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
