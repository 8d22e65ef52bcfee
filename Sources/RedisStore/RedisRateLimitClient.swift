internal import CHiredis
import Essentials
import RateLimiter

/// The Redis store of the rate limiter, for one event loop: runs `RedisTokenBucketScript` for an
/// identity over one asynchronous hiredis connection driven by the loop's `event_base`, so that
/// every sluice instance sharing the Redis enforces one combined limit.
///
/// Loop-confined: create, use and drop it on the loop's thread (one per worker thread). Nothing
/// blocks the loop: the connection is made asynchronously (give `host` as an IP address; a name is
/// resolved with a blocking `getaddrinfo`), lazily at the first `decide` and again after a failure,
/// at most once per second. The process must ignore `SIGPIPE` (hiredis writes with `write(2)`).
/// Drop the client before its `event_base` is freed (dropping it completes waiting decisions with nil).
public final class RedisRateLimitClient {
    /// The SHA-1 `EVALSHA` names the token-bucket script by (`SCRIPT EXISTS` takes it too).
    public static let scriptSHA = SHA1.hexDigest(RedisTokenBucketScript.source)

    private let base: OpaquePointer
    private let host: String
    private let port: UInt16
    private let timeoutMicroseconds: Int64
    private let reconnectInterval: Duration
    /// A connection with commands in flight and no reply for this long is dropped (a paused or
    /// black-holed Redis never closes it).
    private let stallLimit: Duration
    private let clock = ContinuousClock()

    private var context: UnsafeMutablePointer<redisAsyncContext>?
    private var connectAllowedAt: ContinuousClock.Instant
    /// Commands sent on `context` whose reply callback has not run.
    private var inFlight = 0
    /// The last reply on `context`, its connection, or the send that ended an idle spell.
    private var lastProgress: ContinuousClock.Instant
    private var waiting: [ObjectIdentifier: PendingDecision] = [:]
    private var argumentsPlan: LimitPlan?
    private var planArguments: [String] = []

    /// Connection attempts so far.
    public private(set) var connectAttempts = 0

    /// A client of the Redis at `host:port`, driven by `eventBase` (an `event_base *`); a decision
    /// Redis has not answered within `timeout` completes with nil.
    public convenience init(eventBase: OpaquePointer, host: String, port: UInt16, timeout: Duration) {
        self.init(eventBase: eventBase, host: host, port: port, timeout: timeout, reconnectInterval: .seconds(1))
    }

    /// `init(eventBase:host:port:timeout:)` with another shortest pause between connection attempts
    /// (1 second there).
    public init(eventBase: OpaquePointer, host: String, port: UInt16, timeout: Duration, reconnectInterval: Duration) {
        base = eventBase
        self.host = host
        self.port = port
        timeoutMicroseconds = max(0, timeout.wholeMicroseconds)
        self.reconnectInterval = reconnectInterval
        stallLimit = max(timeout, .seconds(1))
        connectAllowedAt = clock.now
        lastProgress = clock.now
    }

    deinit {
        let unfinished = waiting.values
        waiting = [:]
        for pending in unfinished { pending.finish(nil) }
        if let context {
            context.pointee.data = nil
            redisAsyncFree(context)
        }
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
        let pending = PendingDecision(
            plan: plan, key: RedisRateLimitKey.key(for: identity), owner: self, completion: completion)
        guard let timer = sluice_redis_timer_new(
            base, pendingDecisionTimerFired, Unmanaged.passUnretained(pending).toOpaque())
        else {
            pending.finish(nil)  // out of memory: no way to defer
            return
        }
        pending.timer = timer
        waiting[ObjectIdentifier(pending)] = pending
        if let context = usableContext(), send(pending, on: context) {
            sluice_redis_timer_add_usec(timer, timeoutMicroseconds)
        } else {
            sluice_redis_timer_fire_soon(timer)
        }
    }

    /// Decisions whose completion has not run yet.
    public var waitingCount: Int { waiting.count }

    // MARK: - Connection

    /// The live context, or a new one when none is live and an attempt is allowed.
    private func usableContext() -> UnsafeMutablePointer<redisAsyncContext>? {
        if let context { return context }
        let now = clock.now
        guard now >= connectAllowedAt else { return nil }
        connectAllowedAt = now + reconnectInterval
        connectAttempts += 1
        guard let fresh = redisAsyncConnect(host, Int32(port)) else { return nil }
        guard fresh.pointee.err == 0, sluice_redis_attach(fresh, base) == REDIS_OK else {
            redisAsyncFree(fresh)
            return nil
        }
        fresh.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        redisAsyncSetConnectCallback(fresh, redisConnected)
        redisAsyncSetDisconnectCallback(fresh, redisDisconnected)
        context = fresh
        inFlight = 0
        lastProgress = now
        return fresh
    }

    /// hiredis connected `connection`, or failed to (it then frees it itself).
    fileprivate func connected(_ connection: UnsafeMutablePointer<redisAsyncContext>, succeeded: Bool) {
        guard connection == context else { return }
        if succeeded {
            lastProgress = clock.now
        } else {
            forgetContext()
        }
    }

    /// hiredis is freeing `connection` (an error, the server closing, or `redisAsyncFree`).
    fileprivate func lost(_ connection: UnsafeMutablePointer<redisAsyncContext>) {
        if connection == context { forgetContext() }
    }

    private func forgetContext() {
        context = nil
        inFlight = 0
    }

    /// A decision timed out: drop the connection when it has made no progress for `stallLimit`.
    func requestTimedOut() {
        guard let context, inFlight > 0, clock.now - lastProgress >= stallLimit else { return }
        forgetContext()
        connectAllowedAt = max(connectAllowedAt, clock.now + reconnectInterval)
        redisAsyncFree(context)  // runs every reply callback with NULL, then the disconnect callback
    }

    // MARK: - Commands

    /// Sends the script for `pending` on `connection` (`EVALSHA`, or `EVAL` with the source once
    /// the server said `NOSCRIPT`); false when hiredis refused the command.
    private func send(_ pending: PendingDecision, on connection: UnsafeMutablePointer<redisAsyncContext>) -> Bool {
        if argumentsPlan !== pending.plan {
            argumentsPlan = pending.plan
            planArguments = RedisTokenBucketScript.arguments(for: pending.plan)
        }
        let head = pending.sentSource
            ? ["EVAL", RedisTokenBucketScript.source] : ["EVALSHA", RedisRateLimitClient.scriptSHA]
        let retained = Unmanaged.passRetained(pending).toOpaque()
        let status = CommandArguments(head + ["1", pending.key] + planArguments).withArgv { count, argv, lengths in
            redisAsyncCommandArgv(connection, redisReplied, retained, count, argv, lengths)
        }
        guard status == REDIS_OK else {
            Unmanaged<PendingDecision>.fromOpaque(retained).release()
            return false
        }
        pending.sentOn = connection
        if connection == context {
            if inFlight == 0 { lastProgress = clock.now }
            inFlight += 1
        }
        return true
    }

    /// hiredis answered a command of `pending` on `connection` (`reply` is nil when the connection
    /// is going away).
    fileprivate func received(
        _ reply: UnsafePointer<redisReply>?, for pending: PendingDecision,
        on connection: UnsafeMutablePointer<redisAsyncContext>
    ) {
        if connection == context {
            if reply == nil {
                forgetContext()
            } else {
                inFlight -= 1
                lastProgress = clock.now
            }
        }
        guard !pending.isFinished else { return }
        guard let reply else {
            pending.finish(nil)
            return
        }
        switch ScriptReply(reply) {
        case .values(let values):
            pending.finish(RedisTokenBucketScript.reply(values, plan: pending.plan).map(RateLimitDecision.init))
        case .unknownScript where !pending.sentSource:
            pending.sentSource = true
            if !send(pending, on: connection) { pending.finish(nil) }
        case .unknownScript, .malformed:
            pending.finish(nil)
        }
    }

    /// Drops a finished decision from the table.
    func forget(_ pending: PendingDecision) {
        waiting.removeValue(forKey: ObjectIdentifier(pending))
    }
}

// MARK: - hiredis callbacks (C functions: the client travels in the context's `data`)

private func client(of context: UnsafePointer<redisAsyncContext>?) -> RedisRateLimitClient? {
    guard let data = context?.pointee.data else { return nil }
    return Unmanaged<RedisRateLimitClient>.fromOpaque(data).takeUnretainedValue()
}

private func redisConnected(_ context: UnsafePointer<redisAsyncContext>?, _ status: Int32) {
    guard let context else { return }
    client(of: context)?.connected(UnsafeMutablePointer(mutating: context), succeeded: status == REDIS_OK)
}

private func redisDisconnected(_ context: UnsafePointer<redisAsyncContext>?, _ status: Int32) {
    guard let context else { return }
    client(of: context)?.lost(UnsafeMutablePointer(mutating: context))
}

private func redisReplied(
    _ context: UnsafeMutablePointer<redisAsyncContext>?, _ reply: UnsafeMutableRawPointer?,
    _ privateData: UnsafeMutableRawPointer?
) {
    guard let privateData else { return }
    let pending = Unmanaged<PendingDecision>.fromOpaque(privateData).takeRetainedValue()
    guard let context, let owner = client(of: context) else {
        pending.finish(nil)
        return
    }
    owner.received(
        reply.map { UnsafePointer($0.assumingMemoryBound(to: redisReply.self)) }, for: pending, on: context)
}
