import Engine
import Essentials
import Glibc
import Logging
import RateLimiter
import RedisStore
import Resilience
import Stats

/// One event-loop thread: its own `event_base`, its own `SO_REUSEPORT` listener, its client
/// connections and its upstream pools. Nothing here is shared with other workers.
final class Worker {
    let loop: EventLoop
    let index: Int
    private(set) var context: ProxyContext
    private var listener: Listener?
    private var clients: [Int32: ClientConnection] = [:]
    private(set) var pools: [UpstreamPool]
    /// Where the next request's round-robin choice starts.
    var nextTarget = 0
    var random = FastRandom()
    /// The `Date` of responses this worker generates itself.
    let httpDate = CurrentHTTPDate()
    private(set) var isDraining = false
    /// This worker's connection to the shared rate-limit store, when `rate_limit.store` is redis.
    private(set) var redis: (any RemoteRateLimitStore)?
    /// This worker's figures, published to the shared board when the admin endpoint asks (``LiveStats``) and when
    /// the worker stops.
    let stats: WorkerStats
    /// Called once the worker has drained (no connection left) after ``beginDrain()``.
    var onDrained: (() -> Void)?

    init(index: Int, loop: EventLoop, context: ProxyContext, listenerFD: Int32, board: StatsBoard) {
        self.index = index
        self.loop = loop
        self.context = context
        self.stats = WorkerStats(workerIndex: index, board: board, targets: context.targetNames)
        self.pools = context.targets.indices.map { _ in UpstreamPool() }
        self.listener = nil
        self.listener = Listener(fd: listenerFD, worker: self)
        self.redis = Worker.redisClient(for: context, loop: loop)
    }

    var logger: Logger { context.logger }

    /// Adopts an accepted socket.
    func adopt(fd: Int32, peer: SocketAddress) {
        var transport = ConnectionTransport.plain(SocketTransport(fd: fd))
        if let tls = context.tls.listener {
            // The context current now: a certificate rotated by a reload applies to new handshakes only.
            do {
                transport = .tls(try TLSTransport(accepted: fd, context: tls))
            } catch {
                logger.error("cannot start a TLS session", metadata: ["error": "\(error)"])
                return Socket.close(fd)
            }
        }
        let connection = ClientConnection(transport: transport, peer: peer, worker: self)
        clients[fd] = connection
        connection.start()
    }

    /// Forgets a closed client connection.
    func remove(_ connection: ClientConnection) {
        clients[connection.fd] = nil
        if isDraining && clients.isEmpty { finishDrain() }
    }

    /// The pool for `target` under `context`; a request still running under a configuration a
    /// reload replaced gets a retired pool (its connection closes after use).
    func pool(for target: Int, context: ProxyContext) -> UpstreamPool {
        if context === self.context { return pools[target] }
        let retired = UpstreamPool()
        retired.retire()
        return retired
    }

    /// Switches to a reloaded configuration: requests that begin from now on use it; requests in
    /// flight finish under the old one. Any changed `upstream` setting retires the pools (old idle
    /// connections close); a new listening socket replaces the old one.
    func apply(_ newContext: ProxyContext, listenerFD: Int32?) {
        if newContext.config.upstream != context.config.upstream {
            // Pooled connections keep the settings they were opened with: new ones get the new ones.
            for pool in pools { pool.retire() }
            pools = newContext.targets.indices.map { _ in UpstreamPool() }
        }
        if newContext.targetNames != context.targetNames {
            nextTarget = 0
            stats.setTargets(newContext.targetNames)
        }
        if newContext.config.rateLimit.redis != context.config.rateLimit.redis
            || newContext.config.rateLimit.store != context.config.rateLimit.store
            || newContext.config.rateLimit.enabled != context.config.rateLimit.enabled {
            redis = Worker.redisClient(for: newContext, loop: loop)
        }
        context = newContext
        if let listenerFD, !isDraining {
            listener?.close()
            listener = Listener(fd: listenerFD, worker: self)
        }
    }

    /// Stops accepting, closes idle keep-alive connections, lets requests in flight finish.
    func beginDrain() {
        guard !isDraining else { return }
        isDraining = true
        listener?.close()
        listener = nil
        for connection in Array(clients.values) { connection.closeIfIdle() }
        for pool in pools { pool.closeAll() }
        if clients.isEmpty { finishDrain() }
    }

    private func finishDrain() {
        for pool in pools { pool.closeAll() }
        onDrained?()
        onDrained = nil
    }

    /// A connection to the shared rate-limit store, when the configuration asks for Redis.
    private static func redisClient(for context: ProxyContext, loop: EventLoop) -> (any RemoteRateLimitStore)? {
        let settings = context.config.rateLimit
        guard settings.enabled, settings.store == .redis else { return nil }
        let redis = settings.redis
        let logger = context.logger
        let report = { (event: RedisStoreEvent) in
            logger.warning("\(event.message)", metadata: event.details.mapValues { .string($0) })
        }
        let session = RedisSession(username: redis.username, password: redis.password, database: redis.database)
        if !redis.cluster.isEmpty {
            return RedisClusterClient(loop: loop, seeds: redis.cluster.map { RedisAddress(host: $0.host, port: $0.port) },
                                      timeout: redis.timeout, session: session, report: report)
        }
        return RedisRateLimitClient(loop: loop, host: redis.address.host, port: redis.address.port,
                                    timeout: redis.timeout, reconnectInterval: .seconds(1), session: session,
                                    report: report)
    }

    /// Closes every connection at once (grace period over, or the loop ended).
    func closeEverything() {
        redis = nil
        stats.publish()
        listener?.close()
        listener = nil
        for connection in Array(clients.values) { connection.abort() }
        for pool in pools { pool.closeAll() }
    }
}

/// The worker's listening socket: accepts until `EAGAIN` on each readiness edge.
final class Listener: IOHandler {
    let fd: Int32
    /// Unowned and unchecked: a worker outlives every connection and listener it owns (it closes
    /// them before it goes), and the reference is read several times per request.
    private unowned(unsafe) let worker: Worker
    private var watcher: IOWatcher?

    init(fd: Int32, worker: Worker) {
        self.fd = fd
        self.worker = worker
        self.watcher = IOWatcher(loop: worker.loop, fd: fd, handler: self, flags: [.read, .persist, .edgeTriggered])
    }

    private lazy var retry = LoopTimer(loop: worker.loop) { [unowned self] in
        if self.watcher != nil { self.ioReady(.read) }
    }

    func ioReady(_ flags: EventFlags) {
        while let (client, peer) = Socket.accept(fd) {
            worker.adopt(fd: client, peer: peer)
        }
        let code = errno
        if code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM {
            // Connections stay queued and no new edge may come: try again shortly (as nginx does).
            worker.logger.error("accept failed; retrying in 100 ms", metadata: ["errno": "\(code)"])
            retry.arm(afterNanoseconds: 100_000_000)
        }
    }

    func close() {
        watcher?.cancel()
        watcher = nil
        retry.close()
        Socket.close(fd)
    }
}
