import Engine
import RateLimiter

/// Who keeps a table of ``PendingDecision``s: the single-server client or the cluster client.
protocol PendingDecisionOwner: AnyObject {
    /// Drops a finished decision from the table.
    func forget(_ pending: PendingDecision)
    /// A decision sent to `node` timed out (after the node had its chance to drop a stalled connection).
    func requestTimedOut(on node: RedisNode)
}

/// One `decide` call waiting for Redis: its completion (called exactly once), its timeout timer, and
/// what a resend needs. Loop-confined. Kept alive by the client's table until it finishes; each
/// command in flight for it also holds one retain (the hiredis `privdata`), released by the reply
/// callback, which hiredis calls exactly once per accepted command (with NULL when the connection goes).
final class PendingDecision {
    let plan: LimitPlan
    let key: String
    /// The script's arguments after the key (the plan's, shared by every decision under it).
    let arguments: [String]
    /// Ends the wait: Redis did not answer in time, or a failure was deferred to the next loop iteration.
    private(set) var timer: LoopTimer?
    /// Whether the script goes with its source (`EVAL`): before Redis named its digest, or after a `NOSCRIPT`
    /// (so that a second `NOSCRIPT` gives up).
    var sentSource = false
    /// The node the script last went to, nil when it was never sent.
    var sentTo: RedisNode?
    /// Cluster redirections (`MOVED`, `ASK`) followed so far.
    var redirections = 0
    /// Whether it has waited once for the cluster's slot map to be read again (its master unreachable).
    var awaitedMap = false
    weak var owner: PendingDecisionOwner?
    private var completion: ((RateLimitDecision?) -> Void)?

    init(plan: LimitPlan, key: String, arguments: [String], owner: PendingDecisionOwner, loop: EventLoop,
         completion: @escaping (RateLimitDecision?) -> Void) {
        self.plan = plan
        self.key = key
        self.arguments = arguments
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
        sentTo = nil
        owner?.forget(self)
        completion(decision)
    }

    /// Finishes with the decision in a script's `values`, or nil when they do not fit the plan.
    func finish(values: [Int64]) {
        finish(RedisTokenBucketScript.reply(values, plan: plan).map(RateLimitDecision.init))
    }

    /// Settles `reply` where it means the same to every client: script values finish the decision, a first
    /// `NOSCRIPT` resends the script with its source to `node`. False for the rest (errors, no reply), which the
    /// client decides on.
    func settle(_ reply: ScriptReply?, from node: RedisNode) -> Bool {
        switch reply {
        case .values(let values)?:
            finish(values: values)
        case .unknownScript? where !sentSource:
            sentSource = true  // the node forgot the script: send it again with its source
            if !node.sendScript(self, arguments: arguments, asking: false) { finish(nil) }
        default:
            return false
        }
        return true
    }

    /// Redis did not answer in time (the client may then drop a stalled connection), or a failure was deferred.
    private func timerFired() {
        let owner = owner
        let node = sentTo
        finish(nil)
        if let node {
            node.requestTimedOut()
            owner?.requestTimedOut(on: node)
        }
    }
}
