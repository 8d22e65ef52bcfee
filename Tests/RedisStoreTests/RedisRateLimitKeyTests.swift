import RedisStore
import XCTest

final class RedisRateLimitKeyTests: XCTestCase {
    func testKeyIsStableNamespacedAndDiffersPerIdentity() {
        let key = RedisRateLimitKey.key(for: "api-key-1")
        XCTAssertTrue(key.hasPrefix("sluice:rl:"))
        XCTAssertEqual(key.utf8.count, "sluice:rl:".utf8.count + 24)
        XCTAssertEqual(key, RedisRateLimitKey.key(for: "api-key-1"[...]))
        XCTAssertNotEqual(key, RedisRateLimitKey.key(for: "api-key-2"))
    }

    func testKeyIsTheSameInEveryProcess() {
        // Pinned: instances of every sluice process must derive the same key.
        XCTAssertEqual(RedisRateLimitKey.key(for: "api-key-1"), "sluice:rl:489bf8427263fc3fa1ae08ae")
    }
}
