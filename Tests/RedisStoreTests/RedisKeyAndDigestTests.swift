@testable import RedisStore
import XCTest

final class RedisKeyAndDigestTests: XCTestCase {
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

    func testSHA1MatchesTheStandardVectors() {
        XCTAssertEqual(SHA1.hexDigest(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(SHA1.hexDigest("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(
            SHA1.hexDigest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }
}
