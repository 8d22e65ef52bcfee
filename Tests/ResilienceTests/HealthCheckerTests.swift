import Resilience
import XCTest

final class HealthCheckerTests: XCTestCase {
    private let clock = ManualResilienceClock()

    private func makeChecker(targets: Int = 2) -> (HealthChecker, TargetHealth) {
        let health = makeHealth(targets: targets, failures: 3, clock: clock)
        return (HealthChecker(health: health, interval: .seconds(5), clock: clock), health)
    }

    func testEveryTargetStartsUpAndIsCheckedAtOnce() {
        var (checker, health) = makeChecker(targets: 3)
        XCTAssertEqual(checker.isUp, [true, true, true])
        XCTAssertEqual(health.snapshot().map(\.healthCheckUp), [true, true, true])
        XCTAssertEqual(checker.delayUntilNextDue(), .zero)
        XCTAssertEqual(checker.dueTargets(), [0, 1, 2])
        XCTAssertEqual(checker.dueTargets(), [])
    }

    func testChecksRecurEveryInterval() {
        var (checker, _) = makeChecker()
        _ = checker.dueTargets()
        XCTAssertEqual(checker.delayUntilNextDue(), .seconds(5))
        clock.advance(by: .milliseconds(4_999))
        XCTAssertEqual(checker.dueTargets(), [])
        XCTAssertEqual(checker.delayUntilNextDue(), .milliseconds(1))
        clock.advance(by: .milliseconds(1))
        XCTAssertEqual(checker.dueTargets(), [0, 1])
        // A late timer keeps the fixed rate...
        clock.advance(by: .milliseconds(5_300))
        XCTAssertEqual(checker.dueTargets(), [0, 1])
        XCTAssertEqual(checker.delayUntilNextDue(), .milliseconds(4_700))
        // ...and a loop that fell several intervals behind checks once, then one interval from now.
        clock.advance(by: .seconds(60))
        XCTAssertEqual(checker.dueTargets(), [0, 1])
        XCTAssertEqual(checker.dueTargets(), [])
        XCTAssertEqual(checker.delayUntilNextDue(), .seconds(5))
    }

    func testTargetGoesDownAfterTwoConsecutiveFailedChecks() {
        var (checker, health) = makeChecker()
        XCTAssertNil(checker.record(target: 1, passed: false))
        XCTAssertEqual(health.snapshot()[1].healthCheckUp, true)
        XCTAssertEqual(checker.record(target: 1, passed: false), .wentDown)
        XCTAssertEqual(checker.isUp, [true, false])
        XCTAssertEqual(health.snapshot()[1].healthCheckUp, false)
        XCTAssertEqual(health.choose(startingAt: 1), .target(0, isTrial: false))
        XCTAssertNil(checker.record(target: 1, passed: false), "already down")
    }

    func testAPassingCheckBetweenFailuresKeepsTheTargetUp() {
        var (checker, _) = makeChecker()
        checker.record(target: 0, passed: false)
        checker.record(target: 0, passed: true)
        XCTAssertNil(checker.record(target: 0, passed: false))
        XCTAssertEqual(checker.isUp, [true, true])
    }

    func testTargetComesBackUpAfterOnePassingCheck() {
        var (checker, health) = makeChecker()
        checker.record(target: 0, passed: false)
        checker.record(target: 0, passed: false)
        XCTAssertEqual(checker.record(target: 0, passed: true), .cameUp)
        XCTAssertEqual(health.snapshot()[0].healthCheckUp, true)
        XCTAssertNil(checker.record(target: 0, passed: true), "already up")
    }

    func testThresholdsCanBeChanged() {
        let health = makeHealth(targets: 1, clock: clock)
        var checker = HealthChecker(
            health: health, interval: .seconds(5), unhealthyThreshold: 1, healthyThreshold: 3, clock: clock)
        XCTAssertEqual(checker.record(target: 0, passed: false), .wentDown)
        XCTAssertNil(checker.record(target: 0, passed: true))
        XCTAssertNil(checker.record(target: 0, passed: true))
        XCTAssertEqual(checker.record(target: 0, passed: true), .cameUp)
    }

    func testTwoXXAndThreeXXStatusesPassAndEverythingElseFails() {
        XCTAssertTrue(HealthChecker.passes(status: 200))
        XCTAssertTrue(HealthChecker.passes(status: 204))
        XCTAssertTrue(HealthChecker.passes(status: 302))
        XCTAssertFalse(HealthChecker.passes(status: 199))
        XCTAssertFalse(HealthChecker.passes(status: 404))
        XCTAssertFalse(HealthChecker.passes(status: 503))
        var (checker, _) = makeChecker()
        checker.record(target: 0, status: 503)
        XCTAssertEqual(checker.record(target: 0, status: nil), .wentDown, "no answer fails")
        XCTAssertEqual(checker.record(target: 0, status: 200), .cameUp)
    }

    func testRecoveryByHealthCheckClosesAnOpenCircuit() {
        var (checker, health) = makeChecker(targets: 1)
        health.fail(0, times: 3)
        checker.record(target: 0, passed: false)
        checker.record(target: 0, passed: false)
        XCTAssertEqual(health.choose(startingAt: 0), .noneHealthy(retryAfterSeconds: 30))
        checker.record(target: 0, passed: true)
        XCTAssertEqual(health.choose(startingAt: 0), .target(0, isTrial: false))
    }

    func testResultsForUnknownTargetsAreIgnored() {
        var (checker, _) = makeChecker()
        XCTAssertNil(checker.record(target: 2, passed: false))
        XCTAssertNil(checker.record(target: 2, passed: false))
        XCTAssertNil(checker.record(target: -1, passed: false))
        XCTAssertEqual(checker.isUp, [true, true])
    }
}
