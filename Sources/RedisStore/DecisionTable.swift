import Engine
import RateLimiter

/// The decisions a Redis client (single server or cluster) is waiting on, for one event loop: creates each
/// ``PendingDecision`` with its plan's script arguments, arms its timeout, and completes every one still
/// waiting with nil when dropped. Loop-confined.
final class DecisionTable {
    private let loop: EventLoop
    /// How long a decision sent to Redis waits for its reply.
    let timeoutNanoseconds: Int64
    private var waiting: [ObjectIdentifier: PendingDecision] = [:]
    private var planArguments = PlanArguments()

    init(loop: EventLoop, timeout: Duration) {
        self.loop = loop
        timeoutNanoseconds = max(0, timeout.wholeNanoseconds)
    }

    deinit {
        let unfinished = waiting.values
        waiting = [:]
        for pending in unfinished { pending.finish(nil) }
    }

    /// Decisions whose completion has not run yet.
    var count: Int { waiting.count }

    /// A new decision for `identity` under `plan`, owned by `owner`, in the table until it finishes.
    func open(identity: some StringProtocol, plan: LimitPlan, owner: PendingDecisionOwner,
              completion: @escaping (RateLimitDecision?) -> Void) -> PendingDecision {
        let pending = PendingDecision(
            plan: plan, key: RedisRateLimitKey.key(for: identity), arguments: planArguments.of(plan),
            owner: owner, loop: loop, completion: completion)
        waiting[ObjectIdentifier(pending)] = pending
        return pending
    }

    /// Arms `pending`'s timer: the full timeout when it was `sent`, else the next loop iteration (a failure
    /// never completes inside `decide`). Only when libevent cannot allocate the timer does it finish at once.
    func arm(_ pending: PendingDecision, sent: Bool) {
        pending.timer?.arm(afterNanoseconds: sent ? timeoutNanoseconds : 0)
        if pending.timer?.isArmed != true { pending.finish(nil) }  // out of memory: no way to defer
    }

    /// Drops a finished decision.
    func remove(_ pending: PendingDecision) {
        waiting.removeValue(forKey: ObjectIdentifier(pending))
    }
}

/// The script arguments of the last plan seen, computed once per plan (a plan changes only on reload).
struct PlanArguments {
    private var plan: LimitPlan?
    private var arguments: [String] = []

    /// `plan`'s arguments.
    mutating func of(_ plan: LimitPlan) -> [String] {
        if self.plan !== plan {
            self.plan = plan
            arguments = RedisTokenBucketScript.arguments(for: plan)
        }
        return arguments
    }
}
