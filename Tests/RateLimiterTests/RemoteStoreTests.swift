import RateLimiter
import XCTest

/// The one limiting path over both stores: the memory store answers at once, a remote one later through the
/// waiter, with the limiter's plan, and the local buckets stand in when it fails only if allowed.
final class RemoteStoreTests: XCTestCase {
    /// A remote store that keeps its completions for the test to run.
    private final class HeldRemote: RemoteRateLimitStore {
        var taken: [(identity: String, plan: LimitPlan, completion: (RateLimitDecision?) -> Void)] = []
        func take(identity: String, plan: LimitPlan, completion: @escaping (RateLimitDecision?) -> Void) {
            taken.append((identity, plan, completion))
        }
    }

    private final class Waiter: RateLimitWaiter {
        var heard: [(RateLimitDecision?, UInt64)] = []
        func rateLimitDecided(_ decision: RateLimitDecision?, ticket: UInt64) { heard.append((decision, ticket)) }
    }

    func testWithoutARemoteStoreTheMemoryStoreDecidesAtOnce() {
        let (limiter, _) = makeLimiter()
        let waiter = Waiter()
        guard case .decided(let decision) = limiter.decide(identity: "key"[...], remote: nil, localFallback: false, waiter: waiter, ticket: 1) else {
            return XCTFail("the memory store must answer at once")
        }
        XCTAssertTrue(decision.admitted)
        XCTAssertTrue(waiter.heard.isEmpty)
    }

    func testARemoteStoreDecidesLaterWithTheLimitersPlan() {
        let (limiter, _) = makeLimiter()
        let remote = HeldRemote(), waiter = Waiter()
        guard case .pending = limiter.decide(identity: "key"[...], remote: remote, localFallback: false, waiter: waiter, ticket: 7) else {
            return XCTFail("a remote store cannot answer at once")
        }
        XCTAssertEqual(remote.taken.count, 1)
        XCTAssertEqual(remote.taken[0].identity, "key")
        XCTAssertTrue(remote.taken[0].plan === limiter.plan, "one plan: the limiter's")
        let answer = limiter.decide(identity: "other")
        remote.taken[0].completion(answer)
        XCTAssertEqual(waiter.heard.count, 1)
        XCTAssertEqual(waiter.heard[0].1, 7)
        XCTAssertEqual(waiter.heard[0].0?.admitted, true)
        XCTAssertEqual(limiter.admittedCount("key", attempts: 10), 10, "the local buckets were not touched")
    }

    func testAFailedRemoteStoreFallsBackToTheLocalBucketsOnlyWhenAllowed() {
        let (limiter, _) = makeLimiter()
        let remote = HeldRemote(), waiter = Waiter()
        _ = limiter.decide(identity: "key"[...], remote: remote, localFallback: true, waiter: waiter, ticket: 1)
        _ = limiter.decide(identity: "key"[...], remote: remote, localFallback: false, waiter: waiter, ticket: 2)
        remote.taken[0].completion(nil)
        remote.taken[1].completion(nil)
        XCTAssertEqual(waiter.heard.map(\.1), [1, 2])
        XCTAssertEqual(waiter.heard[0].0?.admitted, true, "on_failure: allow: the local buckets decide")
        XCTAssertNil(waiter.heard[1].0, "on_failure: deny: no decision")
        XCTAssertEqual(limiter.admittedCount("key", attempts: 10), 9, "the fallback took a local token")
    }

    func testAWaiterThatWentAwayHearsNothing() {
        let (limiter, _) = makeLimiter()
        let remote = HeldRemote()
        var waiter: Waiter? = Waiter()
        _ = limiter.decide(identity: "key"[...], remote: remote, localFallback: true, waiter: waiter!, ticket: 1)
        weak let gone = waiter
        waiter = nil
        XCTAssertNil(gone)
        remote.taken[0].completion(nil)  // nothing to call, nothing taken locally
        XCTAssertEqual(limiter.admittedCount("key", attempts: 10), 10)
    }
}
