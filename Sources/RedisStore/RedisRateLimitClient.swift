import Engine
import Essentials
import RateLimiter

/// The Redis store of the rate limiter, for one event loop and one Redis server: runs
/// `RedisTokenBucketScript` for an identity over one asynchronous hiredis connection (a ``RedisNode``)
/// driven by the worker's `EventLoop`, so that every sluice instance sharing the Redis enforces one combined
/// limit. ``RedisClusterClient`` is the same for a Redis Cluster.
///
/// The script is named by the SHA-1 digest Redis answers to one `SCRIPT LOAD`; until that reply has come,
/// decisions send the script's source (`EVAL`), and after it its digest (`EVALSHA`). Every new connection
/// first authenticates and selects the database of its ``RedisSession``.
///
/// Loop-confined: create, use and drop it on the loop's thread (one per worker thread). Nothing
/// blocks the loop: the connection is made asynchronously (give `host` as an IP address; a name is
/// resolved with a blocking `getaddrinfo`), lazily at the first `decide` and again after a failure,
/// at most once per reconnect interval. The process must ignore `SIGPIPE` (hiredis writes with `write(2)`).
/// Drop the client before its loop (dropping it completes waiting decisions with nil).
public final class RedisRateLimitClient {
    private let node: RedisNode
    private let decisions: DecisionTable

    /// The digest Redis named the token-bucket script by in reply to `SCRIPT LOAD`, once it has answered.
    public var scriptSHA: String? { node.scriptSHA }
    /// Connection attempts so far.
    public var connectAttempts: Int { node.connectAttempts }

    /// A client of the Redis at `host:port`, driven by `loop`; a decision Redis has not answered within
    /// `timeout` completes with nil.
    public convenience init(loop: EventLoop, host: String, port: UInt16, timeout: Duration) {
        self.init(loop: loop, host: host, port: port, timeout: timeout, reconnectInterval: .seconds(1))
    }

    /// `init(loop:host:port:timeout:)` with another shortest pause between connection attempts
    /// (1 second there), a session (credentials, database) opening every connection, and where refusals
    /// of it are reported.
    public init(loop: EventLoop, host: String, port: UInt16, timeout: Duration, reconnectInterval: Duration,
                session: RedisSession = RedisSession(), report: @escaping (RedisStoreEvent) -> Void = { _ in }) {
        decisions = DecisionTable(loop: loop, timeout: timeout)
        node = RedisNode(address: RedisAddress(host: host, port: port), loop: loop, session: session,
                         timeoutNanoseconds: decisions.timeoutNanoseconds,
                         reconnectNanoseconds: max(0, reconnectInterval.wholeNanoseconds), report: report)
        node.owner = self
    }

    /// Takes one token from each of `identity`'s buckets under `plan`, in Redis. `completion` runs
    /// exactly once, on the loop thread and never before `decide` returns: with the decision, or
    /// with nil when Redis did not answer within the timeout, the connection failed or is waiting
    /// to be retried, or the reply was malformed (the caller then applies `on_failure`). A request
    /// that timed out may still have taken its tokens, if Redis ran it late. Only when libevent
    /// cannot allocate the timer does `completion` run (with nil) before `decide` returns.
    public func decide(
        identity: some StringProtocol, plan: LimitPlan, completion: @escaping (RateLimitDecision?) -> Void
    ) {
        let pending = decisions.open(identity: identity, plan: plan, owner: self, completion: completion)
        decisions.arm(pending, sent: node.sendScript(pending, arguments: pending.arguments, asking: false))
    }

    /// Decisions whose completion has not run yet.
    public var waitingCount: Int { decisions.count }
}

extension RedisRateLimitClient: RedisNodeOwner, PendingDecisionOwner {
    func node(_ node: RedisNode, answered reply: ScriptReply?, for pending: PendingDecision) {
        guard !pending.isFinished, !pending.settle(reply, from: node) else { return }
        pending.finish(nil)  // an error reply, a malformed one, or the connection went
    }

    func forget(_ pending: PendingDecision) {
        decisions.remove(pending)
    }

    func requestTimedOut(on node: RedisNode) {}

    func node(_ node: RedisNode, couldNotSend pending: PendingDecision) {
        pending.finish(nil)
    }

    func nodeLost(_ node: RedisNode) {}
}
