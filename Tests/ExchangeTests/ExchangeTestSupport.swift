import Exchange
import Resilience
import XCTest

/// A machine over `targets` targets with a manual clock: `retries` extra tries, `retry_on` 502/503/504, a 1 s
/// connect and 4 s response timeout (overall deadline 10 s), breakers opening after `failures` failed tries.
struct MachineFixture {
    let clock = ManualResilienceClock()
    let health: TargetHealth
    var machine: ExchangeMachine
    var random = FastRandom(seed: 42)
    var cursor = 0

    init(targets: Int = 1, retries: Int = 2, failures: Int = 5, retryOn: [Int] = [502, 503, 504]) {
        health = TargetHealth(targetCount: targets, failureThreshold: failures, openFor: .seconds(30), clock: clock)
        let policy = RetryPolicy(
            retries: retries, retryBackoff: .milliseconds(50), retryOn: retryOn, connectTimeout: .seconds(1),
            responseTimeout: .seconds(4))
        machine = ExchangeMachine(policy: policy, health: health, clock: clock)
    }

    /// A bodiless request admitted at once: the first try starts.
    mutating func startGET(idempotent: Bool = true) -> ExchangeStep {
        machine.headReceived(isIdempotent: idempotent, bodyFollows: false, expectsContinue: false, admission: .admitted, cursor: &cursor)
    }

    mutating func head(_ status: Int, normalise: Bool = true) -> ExchangeStep {
        machine.upstreamHeadReceived(status: status, normalise: normalise, random: &random)
    }

    mutating func fail(_ failure: TryFailure, stale: Bool = false) -> ExchangeStep {
        machine.upstreamFailed(failure, onStaleConnection: stale, random: &random)
    }

    /// The action of `step`, asserting it records nothing.
    func unrecorded(_ step: ExchangeStep, file: StaticString = #filePath, line: UInt = #line) -> ExchangeAction {
        XCTAssertNil(step.record, "unexpected record", file: file, line: line)
        return step.action
    }
}

extension ExchangeAction {
    /// Whether this is a backoff wait (of any length).
    var isWait: Bool {
        if case .wait = self { return true }
        return false
    }
}
