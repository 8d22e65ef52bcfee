import Resilience
import XCTest

final class TargetChoiceTests: XCTestCase {
    private let clock = ManualResilienceClock()

    /// Chooses `count` times the way a worker does: cursor = chosen index + 1.
    private func roundRobin(_ health: TargetHealth, count: Int) -> [Int] {
        var cursor = 0
        var chosen: [Int] = []
        for _ in 0..<count {
            guard case .target(let index, _) = health.choose(startingAt: cursor) else { break }
            chosen.append(index)
            cursor = index + 1
        }
        return chosen
    }

    func testRoundRobinVisitsEveryHealthyTargetInTurn() {
        let health = makeHealth(targets: 3, clock: clock)
        XCTAssertEqual(roundRobin(health, count: 7), [0, 1, 2, 0, 1, 2, 0])
    }

    func testRoundRobinSkipsATargetWithAnOpenCircuit() {
        let health = makeHealth(targets: 3, failures: 2, clock: clock)
        health.fail(1, times: 2)
        XCTAssertEqual(roundRobin(health, count: 6), [0, 2, 0, 2, 0, 2])
    }

    func testRoundRobinSkipsATargetHealthChecksMarkedDown() {
        let health = makeHealth(targets: 3, clock: clock)
        health.setHealthCheck(target: 2, up: false)
        XCTAssertEqual(roundRobin(health, count: 4), [0, 1, 0, 1])
        health.setHealthCheck(target: 2, up: true)
        XCTAssertEqual(roundRobin(health, count: 3), [0, 1, 2])
    }

    func testStartingIndexIsReducedModuloTheTargetCount() {
        let health = makeHealth(targets: 3, clock: clock)
        XCTAssertEqual(health.choose(startingAt: 4), .target(1, isTrial: false))
        XCTAssertEqual(health.choose(startingAt: -1), .target(2, isTrial: false))
        XCTAssertEqual(health.choose(startingAt: Int.max), .target(Int.max % 3, isTrial: false))
    }

    func testRetryFromTheFailedTargetGoesToTheNextOneOrTheSameWhenItIsTheOnlyOne() {
        let health = makeHealth(targets: 3, failures: 1, clock: clock)
        XCTAssertEqual(health.choose(startingAt: 1 + 1), .target(2, isTrial: false))
        health.fail(0, times: 1)
        health.setHealthCheck(target: 2, up: false)
        XCTAssertEqual(health.choose(startingAt: 1 + 1), .target(1, isTrial: false))
    }

    func testHalfOpenTargetIsChosenOnceAsTrialThenSkipped() {
        let health = makeHealth(targets: 2, failures: 1, clock: clock)
        health.fail(0, times: 1)
        clock.advance(by: .seconds(30))
        XCTAssertEqual(health.choose(startingAt: 0), .target(0, isTrial: true))
        XCTAssertEqual(health.choose(startingAt: 0), .target(1, isTrial: false))
        XCTAssertEqual(health.choose(startingAt: 0), .target(1, isTrial: false))
    }

    func testAllCircuitsOpenGivesRetryAfterOfTheEarliestHalfOpening() {
        let health = makeHealth(targets: 3, failures: 1, openFor: .seconds(30), clock: clock)
        health.fail(0, times: 1)
        clock.advance(by: .seconds(10))
        health.fail(1, times: 1)
        clock.advance(by: .milliseconds(500))
        health.fail(2, times: 1)
        // Circuits half-open at 30 s, 40 s and 40.5 s after the first failure; now is 10.5 s.
        XCTAssertEqual(health.choose(startingAt: 0), .noneHealthy(retryAfterSeconds: 20))
        clock.advance(by: .milliseconds(19_400))
        XCTAssertEqual(health.choose(startingAt: 1), .noneHealthy(retryAfterSeconds: 1))
        clock.advance(by: .milliseconds(100))
        XCTAssertEqual(health.choose(startingAt: 1), .target(0, isTrial: true))
    }

    func testRetryAfterRoundsUp() {
        let health = makeHealth(targets: 1, failures: 1, openFor: .milliseconds(2_001), clock: clock)
        health.fail(0, times: 1)
        XCTAssertEqual(health.choose(startingAt: 0), .noneHealthy(retryAfterSeconds: 3))
    }

    func testAllTargetsCheckedDownGiveTheCheckIntervalAsRetryAfter() {
        let health = makeHealth(targets: 2, clock: clock)
        health.setHealthCheck(target: 0, up: false)
        health.setHealthCheck(target: 1, up: false)
        XCTAssertEqual(health.choose(startingAt: 0), .noneHealthy(retryAfterSeconds: 5))
    }

    func testADownTargetWithAHalfOpenCircuitTakesNoTrial() {
        let health = makeHealth(targets: 1, failures: 1, clock: clock)
        health.fail(0, times: 1)
        health.setHealthCheck(target: 0, up: false)
        clock.advance(by: .seconds(30))
        XCTAssertEqual(health.choose(startingAt: 0), .noneHealthy(retryAfterSeconds: 5))
        XCTAssertEqual(health.circuit(0), .halfOpen)
    }

    func testNoTargetsAtAllIsNoneHealthy() {
        let health = makeHealth(targets: 0, clock: clock)
        XCTAssertEqual(health.choose(startingAt: 0), .noneHealthy(retryAfterSeconds: 1))
        XCTAssertFalse(health.hasHealthyTarget)
    }

    func testHealthCheckComingUpClosesTheCircuit() {
        let health = makeHealth(targets: 1, failures: 2, clock: clock)
        health.fail(0, times: 2)
        health.setHealthCheck(target: 0, up: false)
        health.setHealthCheck(target: 0, up: true)
        XCTAssertEqual(health.snapshot()[0], TargetState(index: 0, healthCheckUp: true, circuit: .closed, consecutiveFailures: 0, requests: 2, failures: 2))
        XCTAssertEqual(health.choose(startingAt: 0), .target(0, isTrial: false))
    }

    func testHealthCheckStayingUpLeavesAnOpenCircuitOpen() {
        let health = makeHealth(targets: 1, failures: 2, clock: clock)
        health.fail(0, times: 2)
        health.setHealthCheck(target: 0, up: true)
        XCTAssertEqual(health.circuit(0), .open)
    }

    func testHealthyInSnapshotAndReadinessFollowChecksAndCircuits() {
        let health = makeHealth(targets: 2, failures: 1, clock: clock)
        XCTAssertTrue(health.hasHealthyTarget)
        health.fail(0, times: 1)
        health.setHealthCheck(target: 1, up: false)
        XCTAssertEqual(health.snapshot().map(\.healthy), [false, false])
        XCTAssertFalse(health.hasHealthyTarget)
        clock.advance(by: .seconds(30))
        XCTAssertEqual(health.snapshot().map(\.healthy), [true, false], "half-open counts as healthy")
        XCTAssertTrue(health.hasHealthyTarget)
    }
}
