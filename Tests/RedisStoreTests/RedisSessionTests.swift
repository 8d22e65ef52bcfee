import RateLimiter
@testable import RedisStore
import TestSupport
import XCTest

/// `AUTH` and `SELECT` on every new connection, against real `redis-server`s started with `--requirepass` and
/// ACL users.
final class RedisSessionTests: XCTestCase {
    private var redis: RedisTestServer?
    private var loop: TestEventLoop!
    private var events: [RedisStoreEvent] = []
    private let tenPerMinute = LimitPlan(rules: [LimitRule(name: "minute", requests: 10, per: .seconds(60))])

    override func setUp() {
        loop = TestEventLoop()
        events = []
    }

    override func tearDown() {
        redis?.kill()
        redis = nil
        loop = nil
    }

    private func client(_ server: RedisTestServer, _ session: RedisSession,
                        reconnectInterval: Duration = .seconds(1)) -> RedisRateLimitClient {
        RedisRateLimitClient(loop: loop.loop, host: "127.0.0.1", port: server.port, timeout: .seconds(2),
                             reconnectInterval: reconnectInterval, session: session) { [unowned self] in
            self.events.append($0)
        }
    }

    /// One decision, waited for on the loop (nil: no decision); fails the test when no completion comes.
    private func decide(_ client: RedisRateLimitClient, _ identity: String) -> RateLimitDecision? {
        var result: RateLimitDecision??
        client.decide(identity: identity, plan: tenPerMinute) { result = .some($0) }
        XCTAssertTrue(loop.run { result != nil }, "no completion")
        return result ?? nil
    }

    func testOpeningCommandsAreAuthWithOrWithoutUserThenSelect() {
        XCTAssertEqual(RedisSession().openingCommands, [])
        XCTAssertEqual(RedisSession(password: "pw").openingCommands, [["AUTH", "pw"]])
        XCTAssertEqual(RedisSession(username: "limiter", password: "pw", database: 3).openingCommands,
                       [["AUTH", "limiter", "pw"], ["SELECT", "3"]])
    }

    func testTheRightPasswordAuthenticatesAndTheScriptRuns() throws {
        let server = try RedisTestServer(extraArguments: ["--requirepass", "s3cret-pw"], prelude: [["AUTH", "s3cret-pw"]])
        redis = server
        let client = client(server, RedisSession(password: "s3cret-pw"))
        let decision = try XCTUnwrap(decide(client, "key-a"))
        XCTAssertTrue(decision.admitted)
        XCTAssertEqual(decision.remaining(limit: 0), 9)
        XCTAssertEqual(try server.keys(), [RedisRateLimitKey.key(for: "key-a")])
        XCTAssertEqual(events, [])
    }

    func testAWrongPasswordIsReportedOncePerConnectionWithTheReasonAndNeverThePassword() throws {
        let server = try RedisTestServer(extraArguments: ["--requirepass", "s3cret-pw"], prelude: [["AUTH", "s3cret-pw"]])
        redis = server
        let client = client(server, RedisSession(password: "wrong-pw"), reconnectInterval: .milliseconds(20))
        XCTAssertNil(decide(client, "key-a"), "no decision: on_failure decides")
        XCTAssertTrue(loop.run { self.events.count == 1 })
        loop.run(for: .milliseconds(50))
        XCTAssertNil(decide(client, "key-a"))
        XCTAssertTrue(loop.run { self.events.count == 2 }, "the reconnect authenticates (and is refused) again")
        XCTAssertEqual(client.connectAttempts, 2)
        for event in events {
            XCTAssertEqual(event.message, "redis refused AUTH")
            XCTAssertEqual(event.details["node"], "127.0.0.1:\(server.port)")
            XCTAssertTrue(event.details["reason"]?.hasPrefix("WRONGPASS") == true, "\(event.details)")
            XCTAssertFalse("\(event)".contains("wrong-pw"), "the password never appears")
        }
        XCTAssertEqual(try server.keys(), [])
    }

    func testAnACLUserWithItsPasswordIsAdmittedAndWithAnotherPasswordRefused() throws {
        let server = try RedisTestServer(extraArguments: ["--requirepass", "admin-pw"], prelude: [["AUTH", "admin-pw"]])
        redis = server
        XCTAssertEqual(server.cli("ACL", "SETUSER", "limiter", "on", ">limiter-pw", "~sluice:rl:*", "+@all"), "OK")

        let right = client(server, RedisSession(username: "limiter", password: "limiter-pw"))
        XCTAssertEqual(decide(right, "key-b")?.remaining(limit: 0), 9)
        XCTAssertEqual(server.cli("ACL", "WHOAMI"), "default")
        XCTAssertEqual(try server.keys(), [RedisRateLimitKey.key(for: "key-b")])

        let wrong = client(server, RedisSession(username: "limiter", password: "admin-pw"))
        XCTAssertNil(decide(wrong, "key-b"))
        XCTAssertTrue(loop.run { self.events.count == 1 })
        XCTAssertEqual(events.first?.message, "redis refused AUTH")
        XCTAssertFalse("\(events)".contains("admin-pw"))
        XCTAssertEqual(decide(right, "key-b")?.remaining(limit: 0), 8, "the refused client took nothing")
    }

    func testDatabaseThreeHoldsTheKeysAndDatabaseZeroNone() throws {
        let server = try RedisTestServer()
        redis = server
        let client = client(server, RedisSession(database: 3))
        XCTAssertEqual(decide(client, "key-c")?.remaining(limit: 0), 9)
        XCTAssertEqual(try server.keys(), [], "database 0")
        server.prelude = [["SELECT", "3"]]
        XCTAssertEqual(try server.keys(), [RedisRateLimitKey.key(for: "key-c")])
    }

    func testADatabaseTheServerDoesNotHaveIsReported() throws {
        let server = try RedisTestServer(extraArguments: ["--databases", "4"])
        redis = server
        let client = client(server, RedisSession(database: 7))
        XCTAssertNil(decide(client, "key-d"))
        XCTAssertTrue(loop.run { self.events.count == 1 })
        XCTAssertEqual(events.first?.message, "redis refused SELECT")
        XCTAssertEqual(try server.keys(), [])
    }
}
