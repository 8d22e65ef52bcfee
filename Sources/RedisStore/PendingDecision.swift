internal import CHiredis
import Engine
import RateLimiter

/// One `decide` call waiting for Redis: its completion (called exactly once), its timeout timer, and
/// what a resend needs. Loop-confined. Kept alive by the client's table until it finishes; each
/// command in flight for it also holds one retain (the hiredis `privdata`), released by the reply
/// callback, which hiredis calls exactly once per accepted command (with NULL when the connection goes).
final class PendingDecision {
    let plan: LimitPlan
    let key: String
    /// Ends the wait: Redis did not answer in time, or a failure was deferred to the next loop iteration.
    private(set) var timer: LoopTimer?
    /// Whether the script goes with its source (`EVAL`): before Redis named its digest, or after a `NOSCRIPT`
    /// (so that a second `NOSCRIPT` gives up).
    var sentSource = false
    /// The context the command went out on, nil when it was never sent.
    var sentOn: UnsafeMutablePointer<redisAsyncContext>?
    weak var owner: RedisRateLimitClient?
    private var completion: ((RateLimitDecision?) -> Void)?

    init(plan: LimitPlan, key: String, owner: RedisRateLimitClient, loop: EventLoop,
         completion: @escaping (RateLimitDecision?) -> Void) {
        self.plan = plan
        self.key = key
        self.owner = owner
        self.completion = completion
        timer = LoopTimer(loop: loop) { [unowned self] in self.timerFired() }
    }

    /// Whether the completion has been called.
    var isFinished: Bool { completion == nil }

    /// Calls the completion with `decision` unless it was already called; frees the timer.
    func finish(_ decision: RateLimitDecision?) {
        guard let completion else { return }
        self.completion = nil
        timer?.close()
        owner?.forget(self)
        completion(decision)
    }

    /// Redis did not answer in time (the client may then drop a stalled connection), or a failure was deferred.
    private func timerFired() {
        let owner = owner
        let wasSent = sentOn != nil
        finish(nil)
        if wasSent { owner?.requestTimedOut() }
    }
}
