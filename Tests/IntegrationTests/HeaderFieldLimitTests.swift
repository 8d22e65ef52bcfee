import XCTest

/// `server.max_header_fields` (default 100): a request head with more fields gets 431 and is not forwarded.
final class HeaderFieldLimitTests: IntegrationTestCase {
    /// `count` fields in all: `Host` (added by the client) and `count - 1` others.
    private func fields(_ count: Int) -> [(String, String)] {
        (1..<count).map { ("X-Field-\($0)", "v") }
    }

    func testTheDefaultAllows100FieldsAndRefuses101() throws {
        try startSluice()
        let before = try upstream.hits()
        XCTAssertEqual(try send(try connectToSluice(), "GET", "/echo", headers: fields(100)).status, 200)
        let refused = try connectToSluice().request("GET", "/echo", headers: fields(101))
        assertEnvelope(refused, status: 431, code: "HEADERS_TOO_LARGE")
        XCTAssertEqual(try upstream.hits(), before + 1, "the refused request was forwarded")
    }

    func testARaisedSettingLets101FieldsThrough() throws {
        try startSluice { $0.server = ["max_header_fields: 150"] }
        XCTAssertEqual(try send(try connectToSluice(), "GET", "/echo", headers: fields(101)).status, 200)
        assertEnvelope(try connectToSluice().request("GET", "/echo", headers: fields(151)), status: 431, code: "HEADERS_TOO_LARGE")
    }
}
