import RateLimiter
import XCTest

final class ValidationTests: XCTestCase {
    func testUsableRulesHaveNoProblem() {
        for rule in defaultLimits { XCTAssertNil(rule.problem) }
        XCTAssertNil(LimitPlan.problem(with: defaultLimits))
    }

    func testRuleProblemsAreReported() {
        XCTAssertNotNil(LimitRule(name: "", requests: 1, per: .seconds(1)).problem)
        XCTAssertNotNil(LimitRule(name: "per minute", requests: 1, per: .seconds(1)).problem)
        XCTAssertNotNil(LimitRule(name: "minute", requests: 0, per: .seconds(1)).problem)
        XCTAssertNotNil(LimitRule(name: "minute", requests: 1, per: .zero).problem)
        XCTAssertNotNil(LimitRule(name: "year", requests: 10_000_000, per: .seconds(31_536_000)).problem)
        XCTAssertNil(LimitRule(name: "hour", requests: 1_000_000, per: .seconds(3600)).problem)
        XCTAssertNil(LimitRule(name: "day", requests: 100_000_000, per: .seconds(86_400)).problem)
    }

    func testPlanProblemsAreReported() {
        let many = (0..<9).map { LimitRule(name: "l\($0)", requests: 1, per: .seconds(1)) }
        XCTAssertNotNil(LimitPlan.problem(with: many))
        let clash = [
            LimitRule(name: "per_day", requests: 1, per: .seconds(86_400)),
            LimitRule(name: "Per-Day", requests: 2, per: .seconds(86_400)),
        ]
        XCTAssertNotNil(LimitPlan.problem(with: clash))
    }

    func testDecisionCanBeBuiltFromAnotherStoresReply() throws {
        // What a Redis store would hand back: deficits in the units of `BucketShape`.
        let plan = LimitPlan(rules: defaultLimits)
        let hour = BucketShape(defaultLimits[0])
        let minute = BucketShape(defaultLimits[1])
        let reply = StoreReply(
            plan: plan, admitted: false,
            deficits: PerBucket(deficits: [20 * hour.tokenUnits, minute.capacityUnits]),
            nowMilliseconds: startSeconds * 1_000)
        let decision = RateLimitDecision(reply)
        XCTAssertEqual(decision.remaining, [80, 0])
        XCTAssertEqual(decision.resetUnixSeconds, startSeconds + 720)
        XCTAssertEqual(try XCTUnwrap(decision.refusal), Refusal(retryAfter: 6, limit: 10, window: "1 minute"))
    }
}
