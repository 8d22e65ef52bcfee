import Foundation
import XCTest

/// SPEC §13 `redis.username`, `redis.password` and `redis.database` through the real binary: sluice
/// authenticates to a `redis-server --requirepass` (or as an ACL user) and selects its database; a refused
/// `AUTH` is logged without the password and `on_failure` answers.
final class RedisSessionIntegrationTests: IntegrationTestCase {
    private var redis: RedisTestServer?

    override func tearDown() {
        redis?.kill()
        redis = nil
        super.tearDown()
    }

    private func startSluice(redis server: RedisTestServer, _ settings: String,
                             environment: [String: String] = [:]) throws -> UInt16 {
        let process = try SluiceProcess(config: config { config in
            config.server = ["workers: 2"]
            config.rateLimit = ["enabled: true", "store: redis"] + RedisIntegrationTests.minuteLimit + [
                "redis: { address: \"\(server.address)\", timeout: 500ms, on_failure: deny, \(settings) }",
            ]
        }, environment: environment)
        sluice = process
        return process.port
    }

    func testThePasswordFromTheEnvironmentAuthenticatesAndTheLimitIsExact() throws {
        let server = try RedisTestServer(extraArguments: ["--requirepass", "pw-7f3a"], prelude: [["AUTH", "pw-7f3a"]])
        redis = server
        let port = try startSluice(redis: server, "password: \"${REDIS_PASSWORD}\"", environment: ["REDIS_PASSWORD": "pw-7f3a"])
        let outcomes = (0..<12).map { _ in RedisIntegrationTests.get(port, key: "key-auth") }
        XCTAssertEqual(outcomes.map(\.status), Array(repeating: 200, count: 10) + [429, 429], RedisIntegrationTests.summary(outcomes))
        XCTAssertEqual(try server.keys().count, 1)
        XCTAssertFalse(sluice?.output.contains("pw-7f3a") ?? true, "the password is never logged")
    }

    func testAnACLUserIsAdmittedAndAWrongPasswordIsLoggedWithoutItAndDenied() throws {
        let server = try RedisTestServer(extraArguments: ["--requirepass", "admin-pw"], prelude: [["AUTH", "admin-pw"]])
        redis = server
        XCTAssertEqual(server.cli("ACL", "SETUSER", "limiter", "on", ">limiter-pw", "~sluice:rl:*", "+@all"), "OK")
        let right = try startSluice(redis: server, "username: limiter, password: limiter-pw")
        XCTAssertEqual(RedisIntegrationTests.get(right, key: "key-acl").remaining, 9)
        sluice?.stop()
        sluice = nil

        let wrong = try startSluice(redis: server, "username: limiter, password: not-the-pw-91")
        let started = Date()
        let refused = RedisIntegrationTests.get(wrong, key: "key-acl")
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertEqual(refused.status, 503, RedisIntegrationTests.summary([refused]))
        XCTAssertEqual(refused.code, "SERVICE_UNAVAILABLE")
        let deadline = Date().addingTimeInterval(5)
        while !(sluice?.output.contains("redis refused AUTH") ?? false) && Date() < deadline { usleep(20_000) }
        let output = sluice?.output ?? ""
        XCTAssertTrue(output.contains("redis refused AUTH"), output)
        XCTAssertTrue(output.contains("WRONGPASS"), "the reason Redis gave")
        XCTAssertFalse(output.contains("not-the-pw-91"), "the password is never logged")
        XCTAssertEqual(try server.keys().count, 1, "only the right user's bucket")
    }

    func testDatabaseThreeHoldsTheBuckets() throws {
        let server = try RedisTestServer()
        redis = server
        let port = try startSluice(redis: server, "database: 3")
        XCTAssertEqual(RedisIntegrationTests.get(port, key: "key-db").remaining, 9)
        XCTAssertEqual(try server.keys(), [], "nothing in database 0")
        server.prelude = [["SELECT", "3"]]
        XCTAssertEqual(try server.keys().count, 1)
        XCTAssertTrue(try server.keys().allSatisfy { $0.hasPrefix("sluice:rl:") })
    }
}
