import APIKeys
import XCTest

/// A consumer's keys as `GET /keys/<id>` lists them: the start of each SHA-256, revoked, expires; never a key.
final class ConsumerListingTests: XCTestCase {
    func testAConsumersKeysAreListedByDigestPrefixWithTheirState() throws {
        let keys = try table([
            #"{"id": "acme", "sha256": "\#(sha("new"))", "plan": "pro", "expires": "2027-01-01T00:00:00Z"}"#,
            #"{"id": "other", "sha256": "\#(sha("other"))"}"#,
            #"{"id": "acme", "sha256": "\#(sha("old"))", "plan": "pro", "revoked": true}"#,
        ])
        let acme = try XCTUnwrap(keys.consumer(named: "acme"))
        let listed = keys.keys(of: acme)
        XCTAssertEqual(listed.count, 2)
        XCTAssertEqual(Set(listed.map(\.sha256Prefix)), Set([sha("new"), sha("old")].map { String($0.prefix(12)) }))
        XCTAssertEqual(listed.first { $0.revoked }?.expires, nil)
        XCTAssertEqual(listed.first { !$0.revoked }?.expires, 1_798_761_600)
        XCTAssertEqual(keys.allConsumers.map { keys.consumer($0).id }, ["acme", "other"])
    }
}
