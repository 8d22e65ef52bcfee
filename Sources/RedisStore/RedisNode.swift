internal import CHiredis
import Engine
import Essentials
import RateLimiter

/// Who a ``RedisNode`` hands script replies to: the single-server client or the cluster client.
protocol RedisNodeOwner: AnyObject {
    /// `node` answered the script it sent for `pending`; `reply` is nil when the connection went first.
    func node(_ node: RedisNode, answered reply: ScriptReply?, for pending: PendingDecision)
    /// `node` could not deliver the script of `pending`: the connection was refused, or closed before the
    /// script left; the script certainly did not run.
    func node(_ node: RedisNode, couldNotSend pending: PendingDecision)
    /// `node`'s connection failed or closed (the node may be gone).
    func nodeLost(_ node: RedisNode)
}

/// One asynchronous hiredis connection to one Redis node, driven by one worker's `EventLoop`: connects lazily
/// and again after a failure (at most once per reconnect interval), opens every new connection with the
/// session's `AUTH` and `SELECT` before anything else, loads the token-bucket script (`SCRIPT LOAD`, once per
/// node until it answers) and sends scripts. Loop-confined.
///
/// A refused `AUTH` or `SELECT` is reported once (with Redis's reason, never the password) and drops the
/// connection, so the next attempt, a reconnect interval later, authenticates afresh.
final class RedisNode {
    /// Where the node listens.
    let address: RedisAddress
    /// The digest the node named the script by in reply to `SCRIPT LOAD`, once it has answered.
    private(set) var scriptSHA: String?
    /// Connection attempts so far.
    private(set) var connectAttempts = 0
    weak var owner: RedisNodeOwner?

    private let loop: EventLoop
    private let session: RedisSession
    private let reconnectNanoseconds: Int64
    /// A connection with commands in flight and no reply for this long is dropped (a paused or black-holed
    /// Redis never closes it).
    private let stallNanoseconds: Int64
    private let report: (RedisStoreEvent) -> Void

    private var context: UnsafeMutablePointer<redisAsyncContext>?
    /// Monotonic nanoseconds from which a connection attempt is allowed.
    private var connectAllowedAt: Int64
    /// Commands sent on `context` whose reply callback has not run.
    private var inFlight = 0
    /// Whether a `SCRIPT LOAD` is in flight on `context`.
    private var loadingScript = false
    /// The last reply on `context`, its connection, or the send that ended an idle spell.
    private var lastProgress: Int64
    /// The session's opening commands on `context` not answered yet: scripts wait until all have succeeded
    /// (a script pipelined behind a refused `SELECT` would run in database 0).
    private var openingLeft = 0
    /// The last connection that failed to connect: its commands never left.
    private var refusedConnection: UnsafeMutablePointer<redisAsyncContext>?
    private var waitingForOpening: [QueuedScript] = []

    init(address: RedisAddress, loop: EventLoop, session: RedisSession, timeoutNanoseconds: Int64,
         reconnectNanoseconds: Int64, report: @escaping (RedisStoreEvent) -> Void) {
        self.address = address
        self.loop = loop
        self.session = session
        self.reconnectNanoseconds = reconnectNanoseconds
        self.report = report
        stallNanoseconds = max(timeoutNanoseconds, 1_000_000_000)
        connectAllowedAt = EventLoop.monotonicNanoseconds()
        lastProgress = connectAllowedAt
    }

    deinit {
        if let context {
            context.pointee.data = nil
            redisAsyncFree(context)  // runs every reply callback with NULL: nothing reaches this node
        }
    }

    /// Whether a command sent now has a connection to go on (a live one, or an attempt is allowed).
    var isReachable: Bool { context != nil || EventLoop.monotonicNanoseconds() >= connectAllowedAt }

    // MARK: - Commands

    /// Sends the script for `pending` with `arguments` (`EVALSHA` with the node's digest, `EVAL` with the source
    /// before that and after a `NOSCRIPT`), preceded by `ASKING` when `asking`; false when there is no
    /// connection or hiredis refused the command.
    func sendScript(_ pending: PendingDecision, arguments: [String], asking: Bool) -> Bool {
        guard let connection = usableContext() else { return false }
        guard openingLeft == 0 else {
            waitingForOpening.append(QueuedScript(pending: pending, arguments: arguments, asking: asking))
            pending.sentTo = self
            return true
        }
        return transmit(pending, arguments: arguments, asking: asking, on: connection)
    }

    private func transmit(_ pending: PendingDecision, arguments: [String], asking: Bool,
                          on connection: UnsafeMutablePointer<redisAsyncContext>) -> Bool {
        if scriptSHA == nil { loadScript(on: connection) }
        if asking {
            let status = CommandArguments(["ASKING"]).withArgv { count, argv, lengths in
                redisAsyncCommandArgv(connection, nil, nil, count, argv, lengths)
            }
            guard status == REDIS_OK else { return false }
        }
        let head: [String]
        if let scriptSHA, !pending.sentSource {
            head = ["EVALSHA", scriptSHA]
        } else {
            head = ["EVAL", RedisTokenBucketScript.source]
            pending.sentSource = true
        }
        let retained = Unmanaged.passRetained(pending).toOpaque()
        let status = CommandArguments(head + ["1", pending.key] + arguments).withArgv { count, argv, lengths in
            redisAsyncCommandArgv(connection, redisScriptReplied, retained, count, argv, lengths)
        }
        guard status == REDIS_OK else {
            Unmanaged<PendingDecision>.fromOpaque(retained).release()
            return false
        }
        pending.sentTo = self
        noteSent(on: connection)
        return true
    }

    /// Sends `command`; `handler` runs once with its reply, or nil when the connection goes first. False when
    /// there is no connection or hiredis refused the command (`handler` then never runs).
    @discardableResult
    func send(_ command: [String], handler: @escaping (RedisValue?) -> Void) -> Bool {
        guard let connection = usableContext() else { return false }
        return send(command, on: connection, handler: handler)
    }

    private func send(_ command: [String], on connection: UnsafeMutablePointer<redisAsyncContext>,
                      handler: @escaping (RedisValue?) -> Void) -> Bool {
        let retained = Unmanaged.passRetained(ReplyHandler(handler)).toOpaque()
        let status = CommandArguments(command).withArgv { count, argv, lengths in
            redisAsyncCommandArgv(connection, redisHandlerReplied, retained, count, argv, lengths)
        }
        guard status == REDIS_OK else {
            Unmanaged<ReplyHandler>.fromOpaque(retained).release()
            return false
        }
        noteSent(on: connection)
        return true
    }

    /// Asks the node for the script's digest once per connection until it has answered (`SCRIPT LOAD`).
    private func loadScript(on connection: UnsafeMutablePointer<redisAsyncContext>) {
        guard !loadingScript else { return }
        let sent = send(["SCRIPT", "LOAD", RedisTokenBucketScript.source], on: connection) { [weak self] reply in
            guard let self else { return }
            if connection == self.context { self.loadingScript = false }
            if let digest = reply.flatMap(ScriptReply.digest) { self.scriptSHA = digest }
        }
        if sent { loadingScript = true }
    }

    /// hiredis answered the script of `pending` on `connection`.
    fileprivate func scriptReplied(_ reply: UnsafePointer<redisReply>?, for pending: PendingDecision,
                                   on connection: UnsafeMutablePointer<redisAsyncContext>) {
        noteReply(reply != nil, on: connection)
        if reply == nil && connection == refusedConnection {
            owner?.node(self, couldNotSend: pending)
        } else {
            owner?.node(self, answered: reply.map(ScriptReply.init), for: pending)
        }
    }

    /// hiredis answered a command with a handler on `connection`.
    fileprivate func handlerReplied(_ reply: UnsafePointer<redisReply>?, handler: ReplyHandler,
                                    on connection: UnsafeMutablePointer<redisAsyncContext>) {
        noteReply(reply != nil, on: connection)
        handler.body(reply.map { RedisValue($0) })
    }

    // MARK: - Connection

    /// The live context, or a new one (opened with the session's commands) when none is live and an attempt
    /// is allowed.
    private func usableContext() -> UnsafeMutablePointer<redisAsyncContext>? {
        if let context { return context }
        let now = EventLoop.monotonicNanoseconds()
        guard now >= connectAllowedAt else { return nil }
        connectAllowedAt = now + reconnectNanoseconds
        connectAttempts += 1
        guard let fresh = redisAsyncConnect(address.host, Int32(address.port)) else { return nil }
        guard fresh.pointee.err == 0, sluice_redis_attach(fresh, loop.base) == REDIS_OK else {
            redisAsyncFree(fresh)
            return nil
        }
        fresh.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        redisAsyncSetConnectCallback(fresh, redisNodeConnected)
        redisAsyncSetDisconnectCallback(fresh, redisNodeDisconnected)
        context = fresh
        inFlight = 0
        lastProgress = now
        let opening = session.openingCommands
        openingLeft = opening.count
        for command in opening where !open(fresh, with: command) {
            forgetContext()
            redisAsyncFree(fresh)
            return nil
        }
        return fresh
    }

    /// Sends one opening command; a refusal is reported and drops the connection; the last success sends the
    /// scripts that waited.
    private func open(_ connection: UnsafeMutablePointer<redisAsyncContext>, with command: [String]) -> Bool {
        send(command, on: connection) { [weak self] reply in
            guard let self, connection == self.context, let reply else { return }
            if case .error(let reason) = reply {
                self.report(RedisStoreEvent(message: "redis refused \(command[0])",
                                            details: ["node": "\(self.address)", "reason": reason]))
                self.forgetContext()
                redisAsyncFree(connection)  // inside its callback: hiredis frees it once the callback returns
                return
            }
            self.openingLeft -= 1
            guard self.openingLeft == 0 else { return }
            let queued = self.waitingForOpening
            self.waitingForOpening = []
            for script in queued where !script.pending.isFinished {
                if !self.transmit(script.pending, arguments: script.arguments, asking: script.asking, on: connection) {
                    self.owner?.node(self, couldNotSend: script.pending)
                }
            }
        }
    }

    /// hiredis connected `connection`, or failed to (it then frees it itself).
    fileprivate func connected(_ connection: UnsafeMutablePointer<redisAsyncContext>, succeeded: Bool) {
        guard connection == context else { return }
        if succeeded {
            lastProgress = EventLoop.monotonicNanoseconds()
        } else {
            refusedConnection = connection  // hiredis now ends its commands with NULL replies: none was sent
            forgetContext()
            owner?.nodeLost(self)
        }
    }

    /// hiredis is freeing `connection` (an error, the server closing, or `redisAsyncFree`).
    fileprivate func lost(_ connection: UnsafeMutablePointer<redisAsyncContext>) {
        guard connection == context else { return }
        forgetContext()
        owner?.nodeLost(self)
    }

    /// Drops `context`; scripts waiting for its opening get no reply.
    private func forgetContext() {
        context = nil
        inFlight = 0
        loadingScript = false
        openingLeft = 0
        let queued = waitingForOpening
        waitingForOpening = []
        for script in queued { owner?.node(self, couldNotSend: script.pending) }
    }

    /// A decision sent here timed out: drop the connection when it has made no progress for `stallNanoseconds`.
    func requestTimedOut() {
        let now = EventLoop.monotonicNanoseconds()
        guard let context, inFlight > 0, now - lastProgress >= stallNanoseconds else { return }
        forgetContext()
        connectAllowedAt = max(connectAllowedAt, now + reconnectNanoseconds)
        redisAsyncFree(context)  // runs every reply callback with NULL, then the disconnect callback
    }

    private func noteSent(on connection: UnsafeMutablePointer<redisAsyncContext>) {
        guard connection == context else { return }
        if inFlight == 0 { lastProgress = EventLoop.monotonicNanoseconds() }
        inFlight += 1
    }

    /// A reply (`arrived`), or the end of the connection, on `connection`.
    private func noteReply(_ arrived: Bool, on connection: UnsafeMutablePointer<redisAsyncContext>) {
        guard connection == context else { return }
        if arrived {
            inFlight -= 1
            lastProgress = EventLoop.monotonicNanoseconds()
        } else {
            forgetContext()
        }
    }
}

/// A script held back until the connection's opening commands have succeeded.
private struct QueuedScript {
    let pending: PendingDecision
    let arguments: [String]
    let asking: Bool
}

/// The handler of one command other than a script, travelling as hiredis's `privdata` (one retain, released
/// by the reply callback, which hiredis calls exactly once per accepted command).
private final class ReplyHandler {
    let body: (RedisValue?) -> Void
    init(_ body: @escaping (RedisValue?) -> Void) { self.body = body }
}

// MARK: - hiredis callbacks (C functions: the node travels in the context's `data`)

private func node(of context: UnsafePointer<redisAsyncContext>?) -> RedisNode? {
    guard let data = context?.pointee.data else { return nil }
    return Unmanaged<RedisNode>.fromOpaque(data).takeUnretainedValue()
}

private func redisNodeConnected(_ context: UnsafePointer<redisAsyncContext>?, _ status: Int32) {
    guard let context else { return }
    node(of: context)?.connected(UnsafeMutablePointer(mutating: context), succeeded: status == REDIS_OK)
}

private func redisNodeDisconnected(_ context: UnsafePointer<redisAsyncContext>?, _ status: Int32) {
    guard let context else { return }
    node(of: context)?.lost(UnsafeMutablePointer(mutating: context))
}

private func typedReply(_ reply: UnsafeMutableRawPointer?) -> UnsafePointer<redisReply>? {
    reply.map { UnsafePointer($0.assumingMemoryBound(to: redisReply.self)) }
}

private func redisScriptReplied(
    _ context: UnsafeMutablePointer<redisAsyncContext>?, _ reply: UnsafeMutableRawPointer?,
    _ privateData: UnsafeMutableRawPointer?
) {
    guard let privateData else { return }
    let pending = Unmanaged<PendingDecision>.fromOpaque(privateData).takeRetainedValue()
    guard let context, let owner = node(of: context) else {
        pending.finish(nil)
        return
    }
    owner.scriptReplied(typedReply(reply), for: pending, on: context)
}

private func redisHandlerReplied(
    _ context: UnsafeMutablePointer<redisAsyncContext>?, _ reply: UnsafeMutableRawPointer?,
    _ privateData: UnsafeMutableRawPointer?
) {
    guard let privateData else { return }
    let handler = Unmanaged<ReplyHandler>.fromOpaque(privateData).takeRetainedValue()
    guard let context, let owner = node(of: context) else {
        handler.body(nil)
        return
    }
    owner.handlerReplied(typedReply(reply), handler: handler, on: context)
}
