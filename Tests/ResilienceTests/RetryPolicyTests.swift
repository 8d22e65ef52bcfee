import Resilience
import XCTest

final class RetryPolicyTests: XCTestCase {
    private let policy = RetryPolicy(
        retries: 2, retryBackoff: .milliseconds(50), retryOn: [502, 503, 504], overallTimeout: .seconds(10))

    // MARK: Retry matrix

    private static let idempotent = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]
    private static let notIdempotent = ["POST", "PATCH", "CONNECT", "TRACE", "get", "Delete", "GETS", ""]

    /// Which failures are retried: for every method, or for idempotent methods only (SPEC §6).
    private static let failureRows: [(TryFailure, anyMethod: Bool, idempotentOnly: Bool)] = [
        (.connectFailed, true, true),
        (.connectTimeout, true, true),
        (.broken, false, true),
        (.responseTimeout, false, true),
        (.status(502), false, true),
        (.status(503), false, true),
        (.status(504), false, true),
        (.status(500), false, false),
        (.status(429), false, false),
        (.status(200), false, false),
    ]

    func testRetryMatrixOfMethodFailureAndAttempt() {
        for (failure, anyMethod, idempotentOnly) in Self.failureRows {
            for method in Self.idempotent + Self.notIdempotent {
                let methodRetried = Self.idempotent.contains(method) ? idempotentOnly : anyMethod
                for attempt in -1...4 {
                    let expected = methodRetried && (0...1).contains(attempt)
                    XCTAssertEqual(
                        policy.shouldRetry(attempt: attempt, method: Array(method.utf8), failure: failure), expected,
                        "\(method) after \(failure) on attempt \(attempt)")
                }
            }
        }
    }

    func testNoRetriesConfiguredMeansNoRetry() {
        let none = RetryPolicy(retries: 0, retryBackoff: .milliseconds(50), retryOn: [503], overallTimeout: .seconds(10))
        XCTAssertFalse(none.shouldRetry(attempt: 0, methodIsIdempotent: true, failure: .connectFailed))
    }

    func testIdempotentMethodsAreRecognisedFromRawRequestBytes() {
        let line = Array("DELETE /things/1 HTTP/1.1".utf8)
        line.withUnsafeBytes { bytes in
            XCTAssertTrue(RetryPolicy.isIdempotent(method: UnsafeRawBufferPointer(rebasing: bytes[0..<6])))
            XCTAssertFalse(RetryPolicy.isIdempotent(method: UnsafeRawBufferPointer(rebasing: bytes[0..<5])))
        }
        XCTAssertTrue(RetryPolicy.isIdempotent(method: "OPTIONS"))
        XCTAssertFalse(RetryPolicy.isIdempotent(method: "OPTION"))
    }

    func testOnlyStatusesInRetryOnAreFailures() {
        XCTAssertEqual(policy.failure(forStatus: 503), .status(503))
        XCTAssertNil(policy.failure(forStatus: 500))
        XCTAssertNil(policy.failure(forStatus: 200))
    }

    func testFailureKindsDecideTheFinalAnswerAndWhetherTheUpstreamMayHaveSeenIt() {
        let rows: [(TryFailure, Int?, Bool)] = [
            (.connectFailed, 502, false), (.connectTimeout, 504, false),
            (.broken, 502, true), (.responseTimeout, 504, true), (.status(503), nil, true),
        ]
        for (failure, status, reached) in rows {
            XCTAssertEqual(failure.finalStatus, status, "\(failure)")
            XCTAssertEqual(failure.mayHaveReachedUpstream, reached, "\(failure)")
        }
    }

    // MARK: Backoff

    func testBackoffCeilingDoublesPerAttemptUpToTheCap() {
        XCTAssertEqual(policy.backoffCeiling(attempt: 0), .milliseconds(50))
        XCTAssertEqual(policy.backoffCeiling(attempt: 1), .milliseconds(100))
        XCTAssertEqual(policy.backoffCeiling(attempt: 2), .milliseconds(200))
        XCTAssertEqual(policy.backoffCeiling(attempt: 7), .milliseconds(6_400))
        XCTAssertEqual(policy.backoffCeiling(attempt: 8), .seconds(10))
        XCTAssertEqual(policy.backoffCeiling(attempt: -3), .milliseconds(50))
    }

    func testBackoffCeilingNeverOverflows() {
        for attempt in [62, 63, 64, 65, 1_000, Int.max] {
            XCTAssertEqual(policy.backoffCeiling(attempt: attempt), .seconds(10), "attempt \(attempt)")
        }
        let huge = RetryPolicy(
            retries: 2, retryBackoff: .seconds(Int64.max), retryOn: [], overallTimeout: .seconds(1),
            maxBackoff: .seconds(Int64.max))
        XCTAssertEqual(huge.backoffCeiling(attempt: 5), .nanoseconds(Int64.max))
        var random = SeededRandom(seed: 1)
        XCTAssertLessThanOrEqual(huge.backoff(attempt: Int.max, random: &random), .nanoseconds(Int64.max))
    }

    func testZeroBackoffNeverWaits() {
        let zero = RetryPolicy(retries: 2, retryBackoff: .zero, retryOn: [], overallTimeout: .seconds(1))
        var random = SeededRandom(seed: 2)
        XCTAssertEqual(zero.backoff(attempt: 3, random: &random), .zero)
    }

    func testBackoffStaysWithinZeroAndTheCeiling() {
        var random = SeededRandom(seed: 3)
        for attempt in 0..<12 {
            let ceiling = policy.backoffCeiling(attempt: attempt)
            for _ in 0..<500 {
                let wait = policy.backoff(attempt: attempt, random: &random)
                XCTAssertGreaterThanOrEqual(wait, .zero)
                XCTAssertLessThanOrEqual(wait, ceiling)
                XCTAssertLessThanOrEqual(wait, policy.maxBackoff)
            }
        }
    }

    func testBackoffSpreadsEvenlyOverItsRange() {
        var random = SeededRandom(seed: 4)
        let samples = 20_000
        var deciles = Array(repeating: 0, count: 10)
        var total = 0.0
        for _ in 0..<samples {
            let wait = policy.backoff(attempt: 1, random: &random)
            let fraction = Double(wait.components.attoseconds / 1_000_000_000) / 100_000_000  // of 100 ms
            deciles[min(Int(fraction * 10), 9)] += 1
            total += fraction
        }
        for (decile, count) in deciles.enumerated() {
            XCTAssertEqual(Double(count), Double(samples) / 10, accuracy: Double(samples) / 50, "decile \(decile)")
        }
        XCTAssertEqual(total / Double(samples), 0.5, accuracy: 0.01, "the mean of full jitter is half the ceiling")
    }

    // MARK: Deadline

    func testDeadlineIsTheDispatchTimePlusTheOverallTimeout() {
        XCTAssertEqual(policy.deadline(startedAt: 5_000_000_000), 15_000_000_000)
        XCTAssertEqual(policy.deadline(startedAt: Int64.max - 1), Int64.max)
    }

    func testConfigInitialiserAllowsTwoFullTries() {
        let fromConfig = RetryPolicy(
            retries: 2, retryBackoff: .milliseconds(50), retryOn: [503],
            connectTimeout: .seconds(2), responseTimeout: .seconds(30))
        XCTAssertEqual(fromConfig.overallTimeout, .seconds(64))
    }

    func testRetryFitsOnlyWhenItsBackoffEndsBeforeTheDeadline() {
        XCTAssertTrue(RetryPolicy.retryFits(backoff: .milliseconds(40), now: 1_000_000_000, deadline: 1_050_000_000))
        XCTAssertFalse(RetryPolicy.retryFits(backoff: .milliseconds(50), now: 1_000_000_000, deadline: 1_050_000_000))
        XCTAssertFalse(RetryPolicy.retryFits(backoff: .zero, now: 2_000_000_000, deadline: 1_050_000_000))
    }

    func testRetryDelayCombinesMatrixBackoffAndDeadline() {
        var random = SeededRandom(seed: 5)
        let now: Int64 = 1_000_000_000
        let far = now + 60_000_000_000
        let delay = policy.retryDelay(
            attempt: 1, methodIsIdempotent: true, failure: .status(503), now: now, deadline: far, random: &random)
        XCTAssertNotNil(delay)
        XCTAssertLessThanOrEqual(delay ?? .seconds(1), .milliseconds(100))
        XCTAssertNil(policy.retryDelay(
            attempt: 0, methodIsIdempotent: false, failure: .status(503), now: now, deadline: far, random: &random))
        XCTAssertNil(policy.retryDelay(
            attempt: 2, methodIsIdempotent: true, failure: .connectFailed, now: now, deadline: far, random: &random))
        // The deadline has passed: no retry, whatever the backoff.
        XCTAssertNil(policy.retryDelay(
            attempt: 0, methodIsIdempotent: false, failure: .connectFailed, now: now, deadline: now, random: &random))
    }
}
