internal import CHiredis
import Engine
import Essentials
import RateLimiter

/// The Redis store of the rate limiter, for one event loop: runs `RedisTokenBucketScript` for an
/// identity over one asynchronous hiredis connection driven by the worker's `EventLoop`, so that
/// every sluice instance sharing the Redis enforces one combined limit.
///
/// The script is named by the SHA-1 digest Redis answers to one `SCRIPT LOAD`; until that reply has come,
/// decisions send the script's source (`EVAL`), and after it its digest (`EVALSHA`).
///
/// Loop-confined: create, use and drop it on the loop's thread (one per worker thread). Nothing
/// blocks the loop: the connection is made asynchronously (give `host` as an IP address; a name is
/// resolved with a blocking `getaddrinfo`), lazily at the first `decide` and again after a failure,
/// at most once per second. The process must ignore `SIGPIPE` (hiredis writes with `write(2)`).
/// Drop the client before its loop (dropping it completes waiting decisions with nil).
public final class RedisRateLimitClient {
    /// The digest Redis named the token-bucket script by in reply to `SCRIPT LOAD`, once it has answered.
    public private(set) var scriptSHA: String?

    private let loop: EventLoop
    private let host: String
    private let port: UInt16
    private let timeoutNanoseconds: Int64
    private let reconnectNanoseconds: Int64
    /// A connection with commands in flight and no reply for this long is dropped (a paused or
    /// black-holed Redis never closes it).
    private let stallNanoseconds: Int64

    private var context: UnsafeMutablePointer<redisAsyncContext>?
    /// Monotonic nanoseconds (``EventLoop/monotonicNanoseconds()``) from which a connection attempt is allowed.
    private var connectAllowedAt: Int64
    /// Commands sent on `context` whose reply callback has not run.
    private var inFlight = 0
    /// Whether a `SCRIPT LOAD` is in flight on `context`.
    private var loadingScript = false
    /// The last reply on `context`, its connection, or the send that ended an idle spell.
    private var lastProgress: Int64
    private var waiting: [ObjectIdentifier: PendingDecision] = [:]
    private var argumentsPlan: LimitPlan?
    private var planArguments: [String] = []

    /// Connection attempts so far.
    public private(set) var connectAttempts = 0

    /// A client of the Redis at `host:port`, driven by `loop`; a decision Redis has not answered within
    /// `timeout` completes with nil.
    public convenience init(loop: EventLoop, host: String, port: UInt16, timeout: Duration) {
        self.init(loop: loop, host: host, port: port, timeout: timeout, reconnectInterval: .seconds(1))
    }

    /// `init(loop:host:port:timeout:)` with another shortest pause between connection attempts
    /// (1 second there).
    public init(loop: EventLoop, host: String, port: UInt16, timeout: Duration, reconnectInterval: Duration) {
        self.loop = loop
        self.host = host
        self.port = port
        timeoutNanoseconds = max(0, timeout.wholeNanoseconds)
        reconnectNanoseconds = max(0, reconnectInterval.wholeNanoseconds)
        stallNanoseconds = max(timeoutNanoseconds, 1_000_000_000)
        connectAllowedAt = EventLoop.monotonicNanoseconds()
        lastProgress = connectAllowedAt
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
            plan: plan, key: RedisRateLimitKey.key(for: identity), owner: self, loop: loop, completion: completion)
        waiting[ObjectIdentifier(pending)] = pending
        let sent = usableContext().map { send(pending, on: $0) } ?? false
        // A failure completes on the next loop iteration, never inside `decide`.
        pending.timer?.arm(afterNanoseconds: sent ? timeoutNanoseconds : 0)
        if pending.timer?.isArmed != true { pending.finish(nil) }  // out of memory: no way to defer
    }

    /// Decisions whose completion has not run yet.
    public var waitingCount: Int { waiting.count }

    // MARK: - Connection

    /// The live context, or a new one when none is live and an attempt is allowed.
    private func usableContext() -> UnsafeMutablePointer<redisAsyncContext>? {
        if let context { return context }
        let now = EventLoop.monotonicNanoseconds()
        guard now >= connectAllowedAt else { return nil }
        connectAllowedAt = now + reconnectNanoseconds
        connectAttempts += 1
        guard let fresh = redisAsyncConnect(host, Int32(port)) else { return nil }
        guard fresh.pointee.err == 0, sluice_redis_attach(fresh, loop.base) == REDIS_OK else {
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
            lastProgress = EventLoop.monotonicNanoseconds()
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
        loadingScript = false
    }

    /// A decision timed out: drop the connection when it has made no progress for `stallNanoseconds`.
    func requestTimedOut() {
        let now = EventLoop.monotonicNanoseconds()
        guard let context, inFlight > 0, now - lastProgress >= stallNanoseconds else { return }
        forgetContext()
        connectAllowedAt = max(connectAllowedAt, now + reconnectNanoseconds)
        redisAsyncFree(context)  // runs every reply callback with NULL, then the disconnect callback
    }

    // MARK: - Commands

    /// Sends the script for `pending` on `connection` (`EVALSHA` with the digest `SCRIPT LOAD` gave, or `EVAL`
    /// with the source before that reply and once the server said `NOSCRIPT`); false when hiredis refused
    /// the command.
    private func send(_ pending: PendingDecision, on connection: UnsafeMutablePointer<redisAsyncContext>) -> Bool {
        if argumentsPlan !== pending.plan {
            argumentsPlan = pending.plan
            planArguments = RedisTokenBucketScript.arguments(for: pending.plan)
        }
        if scriptSHA == nil { loadScript(on: connection) }
        let head: [String]
        if let scriptSHA, !pending.sentSource {
            head = ["EVALSHA", scriptSHA]
        } else {
            head = ["EVAL", RedisTokenBucketScript.source]
            pending.sentSource = true
        }
        let retained = Unmanaged.passRetained(pending).toOpaque()
        let status = CommandArguments(head + ["1", pending.key] + planArguments).withArgv { count, argv, lengths in
            redisAsyncCommandArgv(connection, redisReplied, retained, count, argv, lengths)
        }
        guard status == REDIS_OK else {
            Unmanaged<PendingDecision>.fromOpaque(retained).release()
            return false
        }
        pending.sentOn = connection
        noteSent(on: connection)
        return true
    }

    /// Asks Redis for the script's digest once per connection until it has answered (`SCRIPT LOAD`).
    private func loadScript(on connection: UnsafeMutablePointer<redisAsyncContext>) {
        guard connection == context, !loadingScript else { return }
        let status = CommandArguments(["SCRIPT", "LOAD", RedisTokenBucketScript.source]).withArgv { count, argv, lengths in
            redisAsyncCommandArgv(connection, redisScriptLoaded, nil, count, argv, lengths)
        }
        guard status == REDIS_OK else { return }
        loadingScript = true
        noteSent(on: connection)
    }

    private func noteSent(on connection: UnsafeMutablePointer<redisAsyncContext>) {
        guard connection == context else { return }
        if inFlight == 0 { lastProgress = EventLoop.monotonicNanoseconds() }
        inFlight += 1
    }

    /// A reply (or, when `reply` is nil, the end of the connection) arrived on `connection`.
    private func noteReply(_ reply: UnsafeRawPointer?, on connection: UnsafeMutablePointer<redisAsyncContext>) {
        guard connection == context else { return }
        if reply == nil {
            forgetContext()
        } else {
            inFlight -= 1
            lastProgress = EventLoop.monotonicNanoseconds()
        }
    }

    /// hiredis answered the `SCRIPT LOAD` on `connection`.
    fileprivate func scriptLoaded(_ reply: UnsafePointer<redisReply>?, on connection: UnsafeMutablePointer<redisAsyncContext>) {
        noteReply(reply.map(UnsafeRawPointer.init), on: connection)
        if connection == context { loadingScript = false }
        if let reply, let digest = ScriptReply.digest(reply) { scriptSHA = digest }
    }

    /// hiredis answered a command of `pending` on `connection` (`reply` is nil when the connection
    /// is going away).
    fileprivate func received(
        _ reply: UnsafePointer<redisReply>?, for pending: PendingDecision,
        on connection: UnsafeMutablePointer<redisAsyncContext>
    ) {
        noteReply(reply.map(UnsafeRawPointer.init), on: connection)
        guard !pending.isFinished else { return }
        guard let reply else {
            pending.finish(nil)
            return
        }
        switch ScriptReply(reply) {
        case .values(let values):
            pending.finish(RedisTokenBucketScript.reply(values, plan: pending.plan).map(RateLimitDecision.init))
        case .unknownScript where !pending.sentSource:
            pending.sentSource = true  // the server forgot the script: send it again with its source
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

private func redisScriptLoaded(
    _ context: UnsafeMutablePointer<redisAsyncContext>?, _ reply: UnsafeMutableRawPointer?,
    _ privateData: UnsafeMutableRawPointer?
) {
    guard let context, let owner = client(of: context) else { return }
    owner.scriptLoaded(reply.map { UnsafePointer($0.assumingMemoryBound(to: redisReply.self)) }, on: context)
}
