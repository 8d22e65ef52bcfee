import Essentials

/// When and after how long a failed try is retried (SPEC §6), from the `upstream` configuration.
///
/// Attempts count from 0: `attempt` is the index of the try that just failed (0 = the first try), so a request
/// makes at most `retries + 1` tries and the retry after try `attempt` waits `random(0, retry_backoff × 2^attempt)`.
public struct RetryPolicy: Sendable, Equatable {
    /// `upstream.retries`: extra tries after the first.
    public let retries: Int
    /// `upstream.retry_backoff`: the base of the exponential backoff.
    public let retryBackoff: Duration
    /// `upstream.retry_on`: upstream statuses that make a try fail.
    public let retryOn: [Int]
    /// The time from a request's dispatch after which no retry is started (see ``deadline(startedAt:)``).
    public let overallTimeout: Duration
    /// The largest backoff ceiling, however many attempts (default 10 s).
    public let maxBackoff: Duration

    private let baseNanoseconds: Int64
    private let capNanoseconds: Int64

    /// Creates a policy from the configuration's values.
    public init(
        retries: Int, retryBackoff: Duration, retryOn: [Int], overallTimeout: Duration,
        maxBackoff: Duration = .seconds(10)
    ) {
        self.retries = max(retries, 0)
        self.retryBackoff = retryBackoff
        self.retryOn = retryOn
        self.overallTimeout = overallTimeout
        self.maxBackoff = maxBackoff
        baseNanoseconds = max(0, retryBackoff.wholeNanoseconds)
        capNanoseconds = max(0, maxBackoff.wholeNanoseconds)
    }

    /// Creates a policy whose overall timeout is twice the longest a single try may take,
    /// `2 × (connect_timeout + response_timeout)`: tries that fail fast (refused, 503) get all their retries,
    /// a timed-out try gets at most about one more, and a client never waits much more than two full tries.
    public init(
        retries: Int, retryBackoff: Duration, retryOn: [Int], connectTimeout: Duration, responseTimeout: Duration
    ) {
        self.init(
            retries: retries, retryBackoff: retryBackoff, retryOn: retryOn,
            overallTimeout: (connectTimeout + responseTimeout) * 2)
    }

    // MARK: Which failures are retried

    /// The failure for an upstream response status: ``TryFailure/status(_:)`` when it is in `retry_on`,
    /// else nil (the try succeeded, whatever the status).
    public func failure(forStatus status: Int) -> TryFailure? {
        retryOn.contains(status) ? .status(status) : nil
    }

    /// Whether the request gets another try after try `attempt` (0-based) failed with `failure`:
    /// there is a retry left, and the request certainly never reached the upstream or its method is idempotent
    /// (and a failing status is one of `retry_on`). The deadline is checked by ``retryDelay(attempt:methodIsIdempotent:failure:now:deadline:random:)``.
    public func shouldRetry(attempt: Int, methodIsIdempotent: Bool, failure: TryFailure) -> Bool {
        guard attempt >= 0, attempt < retries else { return false }
        switch failure {
        case .connectFailed, .connectTimeout: return true
        case .broken, .responseTimeout: return methodIsIdempotent
        case .status(let status): return methodIsIdempotent && retryOn.contains(status)
        }
    }

    /// ``shouldRetry(attempt:methodIsIdempotent:failure:)`` for a method given as its bytes.
    public func shouldRetry(attempt: Int, method: some Collection<UInt8>, failure: TryFailure) -> Bool {
        shouldRetry(attempt: attempt, methodIsIdempotent: Self.isIdempotent(method: method), failure: failure)
    }

    /// Whether `method` (case-sensitive bytes, as on the request line) is one SPEC §6 retries after it may have
    /// reached the upstream: `GET`, `HEAD`, `OPTIONS`, `PUT` or `DELETE`.
    @inlinable
    public static func isIdempotent(method: some Collection<UInt8>) -> Bool {
        switch method.count {
        case 3: method.elementsEqual("GET".utf8) || method.elementsEqual("PUT".utf8)
        case 4: method.elementsEqual("HEAD".utf8)
        case 6: method.elementsEqual("DELETE".utf8)
        case 7: method.elementsEqual("OPTIONS".utf8)
        default: false
        }
    }

    /// ``isIdempotent(method:)`` for a `String`.
    public static func isIdempotent(method: String) -> Bool {
        isIdempotent(method: method.utf8)
    }

    // MARK: Backoff

    /// The upper bound of the backoff after try `attempt` failed: `retry_backoff × 2^attempt`, at most `maxBackoff`
    /// (no overflow for any attempt).
    public func backoffCeiling(attempt: Int) -> Duration {
        .nanoseconds(ceilingNanoseconds(attempt: attempt))
    }

    private func ceilingNanoseconds(attempt: Int) -> Int64 {
        let shift = max(attempt, 0)
        guard baseNanoseconds > 0, capNanoseconds > 0 else { return 0 }
        if shift >= 62 || baseNanoseconds > capNanoseconds >> shift { return capNanoseconds }
        return baseNanoseconds << shift
    }

    /// The wait before the retry that follows failed try `attempt`: full jitter, uniform in
    /// `0 ... backoffCeiling(attempt:)` (AWS "exponential backoff and jitter"), to the nanosecond.
    public func backoff(attempt: Int, random: inout some RandomNumberGenerator) -> Duration {
        let ceiling = ceilingNanoseconds(attempt: attempt)
        guard ceiling > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...ceiling, using: &random))
    }

    // MARK: Deadline

    /// The overall deadline of a request dispatched at `startedAt` (monotonic nanoseconds, as ``ResilienceClock``).
    public func deadline(startedAt: Int64) -> Int64 {
        startedAt.saturatingAdd(max(0, overallTimeout.wholeNanoseconds))
    }

    /// Whether a retry that waits `backoff` from `now` starts before `deadline` (monotonic nanoseconds).
    public static func retryFits(backoff: Duration, now: Int64, deadline: Int64) -> Bool {
        now.saturatingAdd(max(0, backoff.wholeNanoseconds)) < deadline
    }

    /// The whole retry decision after try `attempt` failed: nil when the request gets no more tries (no retry
    /// left, not retriable for this method, or the backoff would end at or after `deadline`), else the backoff
    /// to wait before the next try (which goes to `choose(startingAt: failedTarget + 1)`).
    public func retryDelay(
        attempt: Int, methodIsIdempotent: Bool, failure: TryFailure, now: Int64, deadline: Int64,
        random: inout some RandomNumberGenerator
    ) -> Duration? {
        guard shouldRetry(attempt: attempt, methodIsIdempotent: methodIsIdempotent, failure: failure) else { return nil }
        let delay = backoff(attempt: attempt, random: &random)
        return Self.retryFits(backoff: delay, now: now, deadline: deadline) ? delay : nil
    }
}
