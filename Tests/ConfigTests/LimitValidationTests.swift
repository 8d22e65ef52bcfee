import Config
import RateLimiter
import XCTest

/// Limits the rate limiter cannot enforce exactly are problems with their lines (SPEC §3), found by
/// the limiter's own validator (`LimitPlan.problems(with:)`).
final class LimitValidationTests: XCTestCase {
    private let targets = "upstream: { targets: [\"127.0.0.1:3000\"] }\n"

    private func limitsYAML(_ items: [String]) -> String {
        "\(targets)rate_limit:\n  limits:\n" + items.map { "    - \($0)\n" }.joined()
    }

    func testANinthLimitIsAProblemAtItsLine() {
        let items = (1...9).map { "{ name: l\($0), requests: 10, per: \($0)m }" }
        let found = problems(in: limitsYAML(items))
        XCTAssertEqual(found.count, 1, "\(found)")
        XCTAssertEqual(found.first?.line, 12)
        XCTAssertEqual(found.first?.keyPath, "rate_limit.limits[8]")
        XCTAssertTrue(found.first?.message.contains("at most 8 limits") ?? false, "\(found)")
        XCTAssertNoThrow(try SluiceConfig.parse(yaml: limitsYAML(Array(items.prefix(8))), file: "sluice.yaml"))
    }

    func testRequestsTimesPerBeyondTwoToThe53MillisecondsIsAProblem() {
        let found = problems(in: limitsYAML(["{ name: year, requests: 1000000000, per: 365d }"]))
        XCTAssertEqual(found.count, 1, "\(found)")
        XCTAssertEqual(found.first?.line, 4)
        XCTAssertEqual(found.first?.keyPath, "rate_limit.limits[0]")
        XCTAssertTrue(found.first?.message.contains("2^53") ?? false, "\(found)")
        XCTAssertNoThrow(try SluiceConfig.parse(yaml: limitsYAML(["{ name: day, requests: 100000000, per: 1d }"]), file: "sluice.yaml"))
    }

    func testNamesThatGiveTheSameHeaderNamesAreAProblem() {
        let found = problems(in: limitsYAML(["{ name: per_day, requests: 10, per: 1d }", "{ name: per-day, requests: 5, per: 1d }"]))
        XCTAssertEqual(found.map(\.keyPath), ["rate_limit.limits[1].name"])
        XCTAssertEqual(found.first?.line, 5)
        XCTAssertTrue(found.first?.message.contains("X-RateLimit-*-Per-Day") ?? false, "\(found)")
    }

    func testEachFieldProblemIsReportedAtItsKey() {
        let yaml = "\(targets)rate_limit:\n  limits:\n    - name: \"\"\n      requests: 2000000000\n      per: 367d\n"
        let found = problems(in: yaml)
        XCTAssertEqual(found.map(\.line), [4, 5, 6])
        XCTAssertEqual(found.map(\.keyPath), ["rate_limit.limits[0].name", "rate_limit.limits[0].requests", "rate_limit.limits[0].per"])
        XCTAssertEqual(found.map(\.message), [
            "the name is empty (\(LimitRule.allowedName))",
            "2000000000 is too large (a whole number from 1 to 1000000000)",
            "is longer than 366d (a duration from 1ms to 366d)",
        ])
    }

    func testMaxTrackedKeysAndMaxHeaderFieldsAreValidated() {
        let tracked = problems(in: "\(targets)rate_limit:\n  max_tracked_keys: 10\n")
        XCTAssertEqual(tracked.map(\.keyPath), ["rate_limit.max_tracked_keys"])
        XCTAssertEqual(tracked.first?.line, 3)
        XCTAssertTrue(tracked.first?.message.contains("10 is too small (a whole number from 64 to 100000000)") ?? false, "\(tracked)")
        let fields = problems(in: "\(targets)server:\n  max_header_fields: 0\n")
        XCTAssertEqual(fields.map(\.keyPath), ["server.max_header_fields"])
        XCTAssertTrue(fields.first?.message.contains("0 is too small (a whole number from 1 to 10000)") ?? false, "\(fields)")
    }
}
