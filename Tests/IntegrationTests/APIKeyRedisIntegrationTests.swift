import Foundation
import XCTest

/// SPEC §10 with `store: redis`: two sluice instances share a consumer's buckets under its plan, keyed in Redis by
/// a hash of the consumer id (never the id or a key).
final class APIKeyRedisIntegrationTests: IntegrationTestCase {
    private var keys = KeysFile()
    private var redis: RedisTestServer?
    private var second: SluiceProcess?

    override func tearDown() {
        second?.stop()
        redis?.kill()
        keys.remove()
        super.tearDown()
    }

    func testAConsumersKeysShareItsPlansBucketsAcrossInstances() throws {
        let redis = try RedisTestServer()
        self.redis = redis
        let old = "keva_redis_Rotating000000000000001", new = "keva_redis_Rotating000000000000002"
        try keys.write([KeysFile.line(id: "shared-consumer", key: old, plan: "team"),
                        KeysFile.line(id: "shared-consumer", key: new, plan: "team")])
        let configuration = keyedConfig(keys, rateLimit: [
            "store: redis", "redis: { address: \"\(redis.address)\", timeout: 500ms, on_failure: deny }",
            "plans:", "  team: [{ name: minute, requests: 4, per: 1m }]",
        ])
        let first = try startKeyedSluice(keys) { $0 = configuration }
        let other = try SluiceProcess(config: configuration)
        second = other
        var remaining: [String?] = []
        for (instance, key) in [(first, old), (other, new), (first, new), (other, old)] {
            let client = try instance.connect()
            let response = try send(client, "GET", "/v1/users", headers: bearer(key))
            XCTAssertEqual(response.status, 200, response.text)
            XCTAssertEqual(response.header("X-RateLimit-Limit"), "4", "the plan's limit")
            remaining.append(response.header("X-RateLimit-Remaining"))
        }
        XCTAssertEqual(remaining, ["3", "2", "1", "0"], "one set of buckets for the consumer across instances and keys")
        let refused = try send(try other.connect(), "GET", "/v1/users", headers: bearer(new))
        assertEnvelope(refused, status: 429, code: "RATE_LIMIT_EXCEEDED")

        let stored = try redis.keys()
        XCTAssertEqual(stored.count, 1, "\(stored)")
        XCTAssertTrue(stored.allSatisfy { $0.hasPrefix("sluice:rl:") && !$0.contains("shared-consumer") }, "\(stored)")
        XCTAssertFalse(stored.contains { $0.contains(old) || $0.contains(new) }, "\(stored)")
    }
}
