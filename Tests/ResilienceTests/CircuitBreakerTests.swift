import Resilience
import XCTest

final class CircuitBreakerTests: XCTestCase {
    private let clock = ManualResilienceClock()

    /// One target whose circuit (1 failure, open for 30 s) opened, half-opened, and gave its trial to a request.
    private func halfOpenTargetWithTrialTaken(trialTimeout: Duration = .seconds(10)) -> TargetHealth {
        let health = makeHealth(targets: 1, failures: 1, openFor: .seconds(30), trialTimeout: trialTimeout, clock: clock)
        health.fail(0, times: 1)
        clock.advance(by: .seconds(30))
        XCTAssertEqual(health.choose(startingAt: 0), .target(0, isTrial: true))
        return health
    }

    func testCircuitOpensAfterExactlyThresholdConsecutiveFailures() {
        let health = makeHealth(targets: 1, failures: 3, clock: clock)
        health.fail(0, times: 2)
        XCTAssertEqual(health.circuit(0), .closed)
        XCTAssertEqual(health.choose(startingAt: 0), .target(0, isTrial: false))
        health.fail(0, times: 1)
        XCTAssertEqual(health.circuit(0), .open)
        XCTAssertEqual(health.snapshot()[0].consecutiveFailures, 3)
    }

    func testSuccessInBetweenResetsTheConsecutiveCount() {
        let health = makeHealth(targets: 1, failures: 3, clock: clock)
        health.fail(0, times: 2)
        health.record(target: 0, success: true, wasTrial: false)
        XCTAssertEqual(health.snapshot()[0].consecutiveFailures, 0)
        health.fail(0, times: 2)
        XCTAssertEqual(health.circuit(0), .closed)
        health.fail(0, times: 1)
        XCTAssertEqual(health.circuit(0), .open)
    }

    func testCancelledTriesDoNotCountAsFailures() {
        let health = makeHealth(targets: 1, failures: 2, clock: clock)
        health.fail(0, times: 1)
        health.record(target: 0, outcome: .cancelled, wasTrial: false)
        XCTAssertEqual(health.circuit(0), .closed)
        XCTAssertEqual(health.snapshot()[0].consecutiveFailures, 1)
    }

    func testOpenCircuitFailsFastUntilOpenForHasPassed() {
        let health = makeHealth(targets: 1, failures: 1, openFor: .seconds(30), clock: clock)
        health.fail(0, times: 1)
        XCTAssertEqual(health.choose(startingAt: 0), .noneHealthy(retryAfterSeconds: 30))
        clock.advance(by: .milliseconds(29_999))
        XCTAssertEqual(health.choose(startingAt: 0), .noneHealthy(retryAfterSeconds: 1))
        XCTAssertEqual(health.circuit(0), .open)
        clock.advance(by: .milliseconds(1))
        XCTAssertEqual(health.circuit(0), .halfOpen)
        XCTAssertEqual(health.choose(startingAt: 0), .target(0, isTrial: true))
    }

    func testHalfOpenLetsExactlyOneTrialThrough() {
        let health = halfOpenTargetWithTrialTaken()
        for _ in 0..<5 {
            XCTAssertEqual(health.choose(startingAt: 0), .noneHealthy(retryAfterSeconds: 1))
        }
        XCTAssertEqual(health.circuit(0), .halfOpen)
    }

    func testTrialSuccessClosesTheCircuit() {
        let health = makeHealth(targets: 1, failures: 2, clock: clock)
        health.fail(0, times: 2)
        clock.advance(by: .seconds(30))
        XCTAssertEqual(health.choose(startingAt: 0), .target(0, isTrial: true))
        health.record(target: 0, success: true, wasTrial: true)
        XCTAssertEqual(health.circuit(0), .closed)
        XCTAssertEqual(health.choose(startingAt: 0), .target(0, isTrial: false))
        XCTAssertEqual(health.choose(startingAt: 0), .target(0, isTrial: false))
        // Counting starts afresh: the threshold is needed again to re-open.
        health.fail(0, times: 1)
        XCTAssertEqual(health.circuit(0), .closed)
        health.fail(0, times: 1)
        XCTAssertEqual(health.circuit(0), .open)
    }

    func testTrialFailureReopensForAnotherOpenFor() {
        let health = halfOpenTargetWithTrialTaken()
        clock.advance(by: .seconds(2))
        health.record(target: 0, success: false, wasTrial: true)
        XCTAssertEqual(health.circuit(0), .open)
        XCTAssertEqual(health.choose(startingAt: 0), .noneHealthy(retryAfterSeconds: 30))
        clock.advance(by: .seconds(30))
        XCTAssertEqual(health.choose(startingAt: 0), .target(0, isTrial: true))
    }

    func testCancelledTrialReleasesTheSlotAtOnce() {
        let health = halfOpenTargetWithTrialTaken()
        XCTAssertEqual(health.choose(startingAt: 0), .noneHealthy(retryAfterSeconds: 1))
        health.record(target: 0, outcome: .cancelled, wasTrial: true)
        XCTAssertEqual(health.circuit(0), .halfOpen)
        XCTAssertEqual(health.choose(startingAt: 0), .target(0, isTrial: true))
        XCTAssertEqual(health.choose(startingAt: 0), .noneHealthy(retryAfterSeconds: 1))
    }

    func testUnrecordedTrialExpiresAfterTheTrialTimeout() {
        let health = halfOpenTargetWithTrialTaken(trialTimeout: .seconds(10))
        clock.advance(by: .milliseconds(9_999))
        XCTAssertEqual(health.choose(startingAt: 0), .noneHealthy(retryAfterSeconds: 1))
        clock.advance(by: .milliseconds(1))
        XCTAssertEqual(health.choose(startingAt: 0), .target(0, isTrial: true))
        XCTAssertEqual(health.choose(startingAt: 0), .noneHealthy(retryAfterSeconds: 1))
    }

    func testTriesChosenBeforeTheCircuitOpenedDoNotCloseIt() {
        let health = makeHealth(targets: 1, failures: 1, clock: clock)
        health.fail(0, times: 1)
        // A slow request that was sent before the circuit opened answers now.
        health.record(target: 0, success: true, wasTrial: false)
        XCTAssertEqual(health.circuit(0), .open)
        clock.advance(by: .seconds(30))
        XCTAssertEqual(health.choose(startingAt: 0), .target(0, isTrial: true))
        health.record(target: 0, success: true, wasTrial: false)
        XCTAssertEqual(health.circuit(0), .halfOpen, "only the trial decides")
        XCTAssertEqual(health.choose(startingAt: 0), .noneHealthy(retryAfterSeconds: 1))
    }

    func testTrialFailingAfterAHealthCheckClosedTheCircuitCountsLikeAnyFailure() {
        let health = halfOpenTargetWithTrialTaken()
        health.setHealthCheck(target: 0, up: false)
        health.setHealthCheck(target: 0, up: true)
        XCTAssertEqual(health.circuit(0), .closed)
        health.record(target: 0, success: false, wasTrial: true)
        XCTAssertEqual(health.circuit(0), .open, "one failure reaches the threshold of 1")
    }

    func testFailuresWhileOpenDoNotExtendTheOpenTime() {
        let health = makeHealth(targets: 1, failures: 1, openFor: .seconds(30), clock: clock)
        health.fail(0, times: 1)
        clock.advance(by: .seconds(20))
        health.fail(0, times: 3)
        clock.advance(by: .seconds(10))
        XCTAssertEqual(health.choose(startingAt: 0), .target(0, isTrial: true))
    }

    func testCountersCountEveryRecordedTry() {
        let health = makeHealth(targets: 2, failures: 10, clock: clock)
        health.fail(1, times: 3)
        health.record(target: 1, success: true, wasTrial: false)
        health.record(target: 1, outcome: .cancelled, wasTrial: false)
        health.record(target: 0, success: true, wasTrial: false)
        let states = health.snapshot()
        XCTAssertEqual(states[1], TargetState(index: 1, healthCheckUp: true, circuit: .closed, consecutiveFailures: 0, requests: 5, failures: 3))
        XCTAssertEqual(states[0].requests, 1)
        XCTAssertEqual(states[0].failures, 0)
    }

    func testRecordsForUnknownTargetsAreIgnored() {
        let health = makeHealth(targets: 1, failures: 1, clock: clock)
        health.fail(5, times: 3)
        health.fail(-1, times: 3)
        health.setHealthCheck(target: 7, up: false)
        XCTAssertEqual(health.snapshot(), [TargetState(index: 0, healthCheckUp: true, circuit: .closed, consecutiveFailures: 0, requests: 0, failures: 0)])
    }

    func testCircuitStateRawValuesAreTheStatsNames() {
        XCTAssertEqual(CircuitState.allCases.map(\.rawValue), ["closed", "open", "half_open"])
    }
}
