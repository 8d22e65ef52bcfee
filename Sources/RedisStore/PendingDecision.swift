internal import CHiredis
import RateLimiter

/// One `decide` call waiting for Redis: its completion (called exactly once), its timeout timer, and
/// what a resend needs. Loop-confined. Kept alive by the client's table until it finishes; each
/// command in flight for it also holds one retain (the hiredis `privdata`), released by the reply
/// callback, which hiredis calls exactly once per accepted command (with NULL when the connection goes).
final class PendingDecision {
    let plan: LimitPlan
    let key: String
    /// The libevent timer that ends the wait (also fired at once for a deferred failure).
    var timer: OpaquePointer?
    /// Whether the script's source was sent (`EVAL`), so that a second `NOSCRIPT` gives up.
    var sentSource = false
    /// The context the command went out on, nil when it was never sent.
    var sentOn: UnsafeMutablePointer<redisAsyncContext>?
    weak var owner: RedisRateLimitClient?
    private var completion: ((RateLimitDecision?) -> Void)?

    init(plan: LimitPlan, key: String, owner: RedisRateLimitClient, completion: @escaping (RateLimitDecision?) -> Void) {
        self.plan = plan
        self.key = key
        self.owner = owner
        self.completion = completion
    }

    /// Whether the completion has been called.
    var isFinished: Bool { completion == nil }

    /// Calls the completion with `decision` unless it was already called; frees the timer.
    func finish(_ decision: RateLimitDecision?) {
        guard let completion else { return }
        self.completion = nil
        if let timer {
            event_free(timer)
            self.timer = nil
        }
        owner?.forget(self)
        completion(decision)
    }
}

/// The timer of a `PendingDecision` fired: Redis did not answer in time, or a failure was deferred
/// to the next loop iteration.
func pendingDecisionTimerFired(_ fd: Int32, _ what: Int16, _ argument: UnsafeMutableRawPointer?) {
    guard let argument else { return }
    let pending = Unmanaged<PendingDecision>.fromOpaque(argument).takeUnretainedValue()
    let owner = pending.owner
    let wasSent = pending.sentOn != nil
    pending.finish(nil)
    if wasSent { owner?.requestTimedOut() }
}
