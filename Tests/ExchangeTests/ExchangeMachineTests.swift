import Exchange
import Resilience
import XCTest

/// The request's life without sockets: events in, steps out (issue 9 item 1).
final class ExchangeMachineTests: XCTestCase {
    // MARK: reading and admitting

    func testBodilessAdmittedRequestStartsItsFirstTryOnTheCursorsTarget() {
        var f = MachineFixture(targets: 3)
        f.cursor = 1
        XCTAssertEqual(f.unrecorded(f.startGET()), .startTry(target: 1, fresh: false))
        XCTAssertEqual(f.machine.state, .trying(Try(attempt: 0, target: 1, isTrial: false)))
        XCTAssertEqual(f.cursor, 2, "the worker's round-robin cursor moves past the chosen target")
        XCTAssertEqual(f.machine.triesDeadline, f.machine.triesStartedAt + 10_000_000_000, "2 × (1 s + 4 s)")
    }

    func testBodyIsReadBeforeTheFirstTry() {
        var f = MachineFixture()
        let head = f.machine.headReceived(isIdempotent: false, bodyFollows: true, expectsContinue: false, admission: .admitted, cursor: &f.cursor)
        XCTAssertEqual(f.unrecorded(head), .readBody(sendContinue: false))
        XCTAssertEqual(f.machine.state, .readingBody(.admitted))
        XCTAssertEqual(f.unrecorded(f.machine.bodyReceived(cursor: &f.cursor)), .startTry(target: 0, fresh: false))
    }

    func testExpectContinueIsAnsweredWith100UnlessTheHeadIsAlreadyRefused() {
        var f = MachineFixture()
        XCTAssertEqual(f.machine.headReceived(isIdempotent: false, bodyFollows: true, expectsContinue: true, admission: .admitted, cursor: &f.cursor).action,
                       .readBody(sendContinue: true))
        f.machine.reset()
        XCTAssertEqual(f.machine.headReceived(isIdempotent: false, bodyFollows: true, expectsContinue: true, admission: .refused, cursor: &f.cursor).action,
                       .refuse(close: true), "the refusal replaces 100 Continue and the connection closes")
        XCTAssertEqual(f.machine.state, .done)
    }

    func testRefusedRequestIsAnsweredOnceItsBodyIsReadAndNeverTried() {
        var f = MachineFixture()
        _ = f.machine.headReceived(isIdempotent: true, bodyFollows: true, expectsContinue: false, admission: .refused, cursor: &f.cursor)
        XCTAssertEqual(f.unrecorded(f.machine.bodyReceived(cursor: &f.cursor)), .refuse(close: false))
        XCTAssertEqual(f.machine.triesStartedAt, 0)
        XCTAssertEqual(f.cursor, 0)
    }

    func testDecisionArrivingWhileTheBodyIsReadIsAppliedWhenTheBodyEnds() {
        var f = MachineFixture()
        _ = f.machine.headReceived(isIdempotent: true, bodyFollows: true, expectsContinue: false, admission: .pending, cursor: &f.cursor)
        XCTAssertEqual(f.machine.state, .readingBody(.pending))
        XCTAssertEqual(f.unrecorded(f.machine.decisionArrived(.admitted, cursor: &f.cursor)), ExchangeAction.none)
        XCTAssertEqual(f.machine.state, .readingBody(.admitted))
        XCTAssertEqual(f.machine.bodyReceived(cursor: &f.cursor).action, .startTry(target: 0, fresh: false))
    }

    func testBodyEndingBeforeTheDecisionWaitsForIt() {
        var f = MachineFixture()
        _ = f.machine.headReceived(isIdempotent: true, bodyFollows: true, expectsContinue: false, admission: .pending, cursor: &f.cursor)
        XCTAssertEqual(f.unrecorded(f.machine.bodyReceived(cursor: &f.cursor)), ExchangeAction.none)
        XCTAssertEqual(f.machine.state, .admitting)
        XCTAssertEqual(f.machine.decisionArrived(.admitted, cursor: &f.cursor).action, .startTry(target: 0, fresh: false))
    }

    func testDecisionArrivingAfterTheWholeRequestStartsTheTryOrRefuses() {
        var f = MachineFixture()
        _ = f.machine.headReceived(isIdempotent: true, bodyFollows: false, expectsContinue: false, admission: .pending, cursor: &f.cursor)
        XCTAssertEqual(f.machine.state, .admitting)
        XCTAssertEqual(f.machine.decisionArrived(.admitted, cursor: &f.cursor).action, .startTry(target: 0, fresh: false))

        f.machine.reset()
        _ = f.machine.headReceived(isIdempotent: true, bodyFollows: false, expectsContinue: false, admission: .pending, cursor: &f.cursor)
        XCTAssertEqual(f.machine.decisionArrived(.refused, cursor: &f.cursor).action, .refuse(close: false))
    }

    func testLateDecisionAfterTheClientLeftChangesNothing() {
        var f = MachineFixture()
        _ = f.machine.headReceived(isIdempotent: true, bodyFollows: false, expectsContinue: false, admission: .pending, cursor: &f.cursor)
        XCTAssertEqual(f.unrecorded(f.machine.clientGone()), .abort)
        XCTAssertEqual(f.unrecorded(f.machine.decisionArrived(.admitted, cursor: &f.cursor)), ExchangeAction.none)
        XCTAssertEqual(f.machine.state, .done)
        XCTAssertEqual(f.cursor, 0, "no try started")
    }

    func testStalledHeadOrBodyGets408ButAForwardedRequestDoesNot() {
        var f = MachineFixture()
        XCTAssertEqual(f.machine.clientTimedOut().action, .answerRequestTimeout)
        f.machine.reset()
        _ = f.machine.headReceived(isIdempotent: true, bodyFollows: true, expectsContinue: false, admission: .admitted, cursor: &f.cursor)
        XCTAssertEqual(f.machine.clientTimedOut().action, .answerRequestTimeout)
        f.machine.reset()
        _ = f.startGET()
        XCTAssertEqual(f.machine.clientTimedOut().action, ExchangeAction.none)
    }

    // MARK: answers

    func testSuccessfulResponseIsRecordedAndStreamed() {
        var f = MachineFixture()
        _ = f.startGET()
        let step = f.head(200)
        XCTAssertEqual(step, ExchangeStep(record: TryRecord(Try(attempt: 0, target: 0, isTrial: false), .success), .streamResponse))
        XCTAssertEqual(f.machine.state, .streaming(paused: false))
        XCTAssertEqual(f.unrecorded(f.machine.upstreamFinished()), .finish)
        XCTAssertEqual(f.machine.state, .done)
    }

    func testErrorResponseIsCollectedForTheNormaliserOrStreamedWhenNotNormalising() {
        var f = MachineFixture()
        _ = f.startGET()
        XCTAssertEqual(f.head(404), ExchangeStep(record: TryRecord(Try(attempt: 0, target: 0, isTrial: false), .success), .collectBody))
        XCTAssertEqual(f.machine.state, .collecting(Try(attempt: 0, target: 0, isTrial: false), .answer))
        XCTAssertEqual(f.unrecorded(f.machine.upstreamFinished()), .answerCollected)
        f.machine.reset()
        _ = f.startGET()
        XCTAssertEqual(f.head(404, normalise: false).action, .streamResponse)
    }

    func testBackPressurePausesAboveTheHighMarkAndResumesBelowTheLowMark() {
        var f = MachineFixture()
        _ = f.startGET()
        _ = f.head(200)
        XCTAssertEqual(f.machine.outputQueued(unwritten: 100, highWater: 256), ExchangeAction.none)
        XCTAssertEqual(f.machine.outputQueued(unwritten: 300, highWater: 256), .pauseUpstream)
        XCTAssertEqual(f.machine.state, .streaming(paused: true))
        XCTAssertEqual(f.machine.outputQueued(unwritten: 400, highWater: 256), ExchangeAction.none, "paused once")
        XCTAssertEqual(f.machine.outputDrained(unwritten: 100, lowWater: 64), ExchangeAction.none, "not yet below the low mark")
        XCTAssertEqual(f.machine.outputDrained(unwritten: 10, lowWater: 64), .resumeUpstream)
        XCTAssertEqual(f.machine.state, .streaming(paused: false))
        XCTAssertEqual(f.machine.outputDrained(unwritten: 0, lowWater: 64), ExchangeAction.none, "resumed once")
    }

    func testBreakAfterTheHeadWasStreamedAbortsWithoutARetry() {
        var f = MachineFixture()
        _ = f.startGET()
        _ = f.head(200)
        XCTAssertEqual(f.unrecorded(f.fail(.broken)), .abort, "the try was recorded at its head; part of it left")
        XCTAssertEqual(f.machine.state, .done)
    }

    // MARK: tries

    func testFailedTryIsRecordedThenRetriedOnTheNextTargetAfterABackoff() {
        var f = MachineFixture(targets: 2)
        _ = f.startGET()
        let failed = f.fail(.connectFailed)
        XCTAssertEqual(failed.record, TryRecord(Try(attempt: 0, target: 0, isTrial: false), .failure))
        guard case .wait(let backoff) = failed.action else { return XCTFail("no backoff: \(failed.action)") }
        XCTAssertLessThanOrEqual(backoff, .milliseconds(50), "random(0, 50 ms × 2^0)")
        XCTAssertEqual(f.machine.state, .backingOff(nextAttempt: 1, failedTarget: 0, fallback: .failure(.connectFailed)))
        XCTAssertEqual(f.unrecorded(f.machine.backoffElapsed()), .startTry(target: 1, fresh: false))
        XCTAssertEqual(f.machine.state, .trying(Try(attempt: 1, target: 1, isTrial: false)))
        XCTAssertEqual(f.head(200).record, TryRecord(Try(attempt: 1, target: 1, isTrial: false), .success))
    }

    func testTriesRunOutInto502Or504() {
        var f = MachineFixture(retries: 1)
        _ = f.startGET()
        XCTAssertTrue(f.fail(.broken).action.isWait)
        _ = f.machine.backoffElapsed()
        XCTAssertEqual(f.fail(.broken), ExchangeStep(record: TryRecord(Try(attempt: 1, target: 0, isTrial: false), .failure), .answerFailure(.unavailable)))
        f.machine.reset()
        _ = f.startGET()
        _ = f.fail(.responseTimeout)
        _ = f.machine.backoffElapsed()
        XCTAssertEqual(f.fail(.connectTimeout).action, .answerFailure(.timeout))
    }

    func testNonIdempotentRequestIsRetriedOnlyWhenItNeverReachedTheUpstream() {
        var f = MachineFixture()
        _ = f.machine.headReceived(isIdempotent: false, bodyFollows: false, expectsContinue: false, admission: .admitted, cursor: &f.cursor)
        XCTAssertTrue(f.fail(.connectFailed).action.isWait, "never connected: retried for any method")
        _ = f.machine.backoffElapsed()
        XCTAssertEqual(f.fail(.broken).action, .answerFailure(.unavailable), "may have been read: not retried")
    }

    func testNoTriesStartPastTheOverallDeadline() {
        var f = MachineFixture(retries: 5)
        _ = f.startGET()
        f.clock.advance(by: .seconds(10))
        XCTAssertEqual(f.fail(.responseTimeout).action, .answerFailure(.timeout))
    }

    func testRetryOnStatusKeepsTheResponseAndAnswersWithItWhenNoTargetIsLeft() {
        var f = MachineFixture(targets: 1, failures: 1)
        _ = f.startGET()
        XCTAssertEqual(f.unrecorded(f.head(503)), .collectBody, "recorded when it ends")
        guard case .collecting(_, .keptForRetry) = f.machine.state else { return XCTFail("\(f.machine.state)") }
        let finished = f.machine.upstreamFinished()
        XCTAssertEqual(finished.record, TryRecord(Try(attempt: 0, target: 0, isTrial: false), .failure))
        XCTAssertTrue(finished.action.isWait)
        f.health.record(target: 0, outcome: .failure, wasTrial: false)  // the shell records it: the breaker opens
        XCTAssertEqual(f.unrecorded(f.machine.backoffElapsed()), .answerCollected, "the kept 503 is the answer")
    }

    func testRetryOnStatusWithoutTriesLeftIsTheAnswer() {
        var f = MachineFixture(retries: 0)
        _ = f.startGET()
        XCTAssertEqual(f.head(503), ExchangeStep(record: TryRecord(Try(attempt: 0, target: 0, isTrial: false), .failure), .collectBody))
        XCTAssertEqual(f.machine.upstreamFinished().action, .answerCollected)
    }

    func testKeptResponseThatBreaksLeavesA502IfNoFurtherTryStarts() {
        var f = MachineFixture(targets: 1, failures: 1)
        _ = f.startGET()
        _ = f.head(502)
        let broke = f.fail(.broken)
        XCTAssertEqual(broke.record, TryRecord(Try(attempt: 0, target: 0, isTrial: false), .failure))
        XCTAssertEqual(f.machine.state, .backingOff(nextAttempt: 1, failedTarget: 0, fallback: .failure(.broken)))
        f.health.record(target: 0, outcome: .failure, wasTrial: false)
        XCTAssertEqual(f.machine.backoffElapsed().action, .answerFailure(.unavailable))
    }

    func testCollectedErrorBodyThatBreaksIsRetriedWithoutASecondRecord() {
        var f = MachineFixture()
        _ = f.startGET()
        _ = f.head(404)
        XCTAssertTrue(f.unrecorded(f.fail(.broken)).isWait)
    }

    func testStaleKeepAliveConnectionIsReplacedOnceFreshOnTheSameTargetWithinTheSameTry() {
        var f = MachineFixture(targets: 2)
        _ = f.startGET()
        XCTAssertEqual(f.unrecorded(f.fail(.broken, stale: true)), .startTry(target: 0, fresh: true))
        XCTAssertEqual(f.machine.state, .trying(Try(attempt: 0, target: 0, isTrial: false, replacedStaleConnection: true)))
        let again = f.fail(.broken, stale: true)
        XCTAssertEqual(again.record, TryRecord(Try(attempt: 0, target: 0, isTrial: false, replacedStaleConnection: true), .failure), "a second early close is a failure")
        XCTAssertTrue(again.action.isWait)
    }

    func testStaleConnectionIsNotRetriedForNonIdempotentMethods() {
        var f = MachineFixture()
        _ = f.machine.headReceived(isIdempotent: false, bodyFollows: false, expectsContinue: false, admission: .admitted, cursor: &f.cursor)
        XCTAssertEqual(f.fail(.broken, stale: true).action, .answerFailure(.unavailable))
    }

    func testNoHealthyTargetGets503AtOnce() {
        var f = MachineFixture(failures: 1)
        f.health.record(target: 0, outcome: .failure, wasTrial: false)
        XCTAssertEqual(f.unrecorded(f.startGET()), .answerFailure(.noTarget(retryAfterSeconds: 30)))
        XCTAssertEqual(f.machine.state, .done)
    }

    func testRetryWithNoHealthyTargetEndsAsTheLastTryDid() {
        var f = MachineFixture(failures: 1)
        _ = f.startGET()
        _ = f.fail(.responseTimeout)
        f.health.record(target: 0, outcome: .failure, wasTrial: false)
        XCTAssertEqual(f.machine.backoffElapsed().action, .answerFailure(.timeout))
    }

    func testLocalShortageIs502WithoutRecordOrRetry() {
        var f = MachineFixture()
        _ = f.startGET()
        XCTAssertEqual(f.unrecorded(f.machine.localResourcesExhausted()), .answerFailure(.unavailable))
    }

    // MARK: the client going away

    func testClientLeavingWhileTheRequestIsReadClosesPlainly() {
        var f = MachineFixture()
        XCTAssertEqual(f.unrecorded(f.machine.clientGone()), .close)
        f.machine.reset()
        _ = f.machine.headReceived(isIdempotent: true, bodyFollows: true, expectsContinue: false, admission: .pending, cursor: &f.cursor)
        XCTAssertEqual(f.unrecorded(f.machine.clientGone()), .close)
    }

    func testClientLeavingDuringATryCancelsItAndIsNeverATargetFailure() {
        var f = MachineFixture()
        _ = f.startGET()
        XCTAssertEqual(f.machine.clientGone(), ExchangeStep(record: TryRecord(Try(attempt: 0, target: 0, isTrial: false), .cancelled), .abort))
        XCTAssertEqual(f.unrecorded(f.machine.clientGone()), ExchangeAction.none, "done: nothing twice")
        // The same while a kept retry_on response is read: that try is not recorded yet.
        f.machine.reset()
        _ = f.startGET()
        _ = f.head(503)
        XCTAssertEqual(f.machine.clientGone().record?.outcome, .cancelled)
    }

    func testClientLeavingAfterTheTryWasRecordedRecordsNothingMore() {
        var f = MachineFixture()
        _ = f.startGET()
        _ = f.head(200)
        XCTAssertEqual(f.unrecorded(f.machine.clientGone()), .abort, "streaming")
        f.machine.reset()
        _ = f.startGET()
        _ = f.head(404)
        XCTAssertEqual(f.unrecorded(f.machine.clientGone()), .abort, "collecting an error body")
        f.machine.reset()
        _ = f.startGET()
        _ = f.fail(.connectFailed)
        XCTAssertEqual(f.unrecorded(f.machine.clientGone()), .abort, "backing off")
        XCTAssertEqual(f.unrecorded(f.machine.backoffElapsed()), ExchangeAction.none, "no try after the client left")
    }

    func testCancelledTrialIsRecordedAsTheTrial() {
        var f = MachineFixture(failures: 1)
        f.health.record(target: 0, outcome: .failure, wasTrial: false)
        f.clock.advance(by: .seconds(31))
        XCTAssertEqual(f.startGET().action, .startTry(target: 0, fresh: false))
        XCTAssertEqual(f.machine.clientGone().record, TryRecord(Try(attempt: 0, target: 0, isTrial: true), .cancelled))
    }
}
