import APIKeys
import Config
import Engine
import Essentials
import Glibc
import Logging
import Normaliser
import RateLimiter
import Resilience
import Stats
import Synchronization

/// The running proxy: one worker thread per event loop, each with its own `SO_REUSEPORT`
/// listener, and a control loop on the calling thread that owns the signals, the admin
/// listener and the periodic jobs.
public final class ProxyServer {
    var context: ProxyContext
    /// The keys in force and the limiters kept across reloads.
    let authority: KeyAuthority
    let reloadConfiguration: () throws(ConfigError) -> SluiceConfig
    let workerCount: Int
    var logger: Logger { context.logger }

    let control = EventLoop()
    private let workers = WorkerRegistry<WorkerReference>()
    var admin: AdminServer?
    private var signalWatchers: [SignalWatcher] = []
    private var sweepTimer: RepeatingTimer?
    /// Checks the keys file for a change every `auth.keys_reload`.
    var keysWatch: RepeatingTimer?
    /// One-shot timers of the control loop that may still be pending (see ``runOnce(after:_:)``).
    private var oneShotTimers: [LoopTimer] = []
    private var healthChecks: HealthCheckScheduler?
    private let board: StatsBoard
    private var liveStats: LiveStats?
    private let startedAt = EventLoop.monotonicNanoseconds()
    private(set) var isDraining = false

    /// A worker as other threads see it.
    private struct WorkerReference: Sendable {
        let index: Int
        let handle: EventLoopHandle
        let worker: LoopBound<Worker>
    }

    /// - Parameters:
    ///   - limiter: the limiter of `rate_limit.limits`, kept for the life of the process, across reloads.
    ///   - keys: the keys file of `config` (``loadKeys(for:logger:)``), nil without one.
    ///   - reload: reads and validates the configuration file again (SIGHUP).
    public init(config: SluiceConfig, limiter: RateLimiter, keys: KeyTable? = nil, logger: Logger,
                reload: @escaping () throws(ConfigError) -> SluiceConfig) throws(StartupError) {
        let accessLog: AccessLogWriter?
        do { accessLog = try ProxyServer.openAccessLog(config.logging.accessLog) } catch { throw StartupError(error) }
        let tls: TLSContexts
        do { tls = try TLSContexts.load(config, file: "configuration") } catch { throw StartupError(error) }
        let authority = KeyAuthority(config: config, standard: limiter, keys: keys)
        do {
            self.context = try ProxyContext(
                config: config, limiters: authority.limiters, keys: keys, guesses: authority.guesses, accessLog: accessLog,
                tls: tls, logger: logger)
        } catch {
            throw StartupError(error)
        }
        self.authority = authority
        self.reloadConfiguration = reload
        let configured = config.server.workers
        self.workerCount = configured > 0 ? configured : LoopThread.coreCount
        self.board = StatsBoard(workerCount: workerCount)
    }

    /// Reads `config`'s keys file (`auth.keys_file`; nil without one), logging the start, the key count and the
    /// time it took; the problems of a bad file, each with its line.
    public static func loadKeys(for config: SluiceConfig, logger: Logger) -> Result<KeyTable?, KeysFileError> {
        KeyAuthority.loadKeys(for: config, logger: logger)
    }

    /// Binds, serves until SIGTERM/SIGINT and the drain that follows, and returns the exit code.
    public func run() throws(StartupError) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        warnIfUnverified(context.config)
        raiseDescriptorLimit()
        let workers = self.workers
        liveStats = LiveStats(loop: control, board: board, sources: {
            workers.references.map { LiveStats.Source(handle: $0.handle, worker: $0.worker) }
        }, gauges: { [unowned self] in self.gauges() })
        let listenerFDs: [Int32]
        do {
            listenerFDs = try bindPublic(context.config.server.listen)
            admin = try startAdmin()
        } catch {
            throw StartupError(error)
        }
        // Before the workers serve: a signal that follows a first answer must find its handler.
        signalWatchers = [
            SignalWatcher(loop: control, signal: SIGTERM) { [unowned self] in self.beginDrain(signal: $0) },
            SignalWatcher(loop: control, signal: SIGINT) { [unowned self] in self.beginDrain(signal: $0) },
            SignalWatcher(loop: control, signal: SIGHUP) { [unowned self] _ in self.reload() },
            SignalWatcher(loop: control, signal: SIGUSR1) { [unowned self] _ in self.reopenAccessLog() },
        ]
        let threads = startWorkers(listenerFDs: listenerFDs)
        // Idle keys cost no memory: full buckets are dropped lazily and by this sweep.
        sweepTimer = RepeatingTimer(loop: control, every: 10_000_000_000) { [unowned self] in
            for limiter in self.authority.allLimiters { limiter.sweep() }
        }
        startHealthChecks()
        watchKeysFile()
        control.run()
        healthChecks?.stop()
        admin?.close()
        liveStats?.close()
        for thread in threads { thread.join() }
        context.accessLog?.close()
        logger.info("stopped")
        return 0
    }

    /// Every connection is a descriptor (two when proxied): the soft limit goes up to the hard one.
    private func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) != 0 {
            logger.warning("cannot raise the descriptor limit", metadata: ["soft": "\(limit.rlim_cur)"])
        }
    }

    /// One listening socket per worker on the same address (`SO_REUSEPORT`); port 0 is resolved
    /// by the first bind so that every worker shares the port.
    func bindPublic(_ listen: HostPort) throws(SocketError) -> [Int32] {
        let address = try SocketAddress(host: listen.host, port: listen.port)
        var fds = [try Socket.listen(address)]
        guard let bound = Socket.localAddress(fds[0]) else { throw SocketError("getsockname failed") }
        do {
            for _ in 1..<workerCount { fds.append(try Socket.listen(bound)) }
        } catch {
            for fd in fds { Socket.close(fd) }
            throw error
        }
        logger.info("listening", metadata: ["listener": "public", "address": "\(bound)", "workers": "\(workerCount)",
                                            "tls": "\(context.tls.listener != nil)"])
        return fds
    }

    private func startWorkers(listenerFDs: [Int32]) -> [LoopThread] {
        let controlBound = LoopBound(control)
        let controlHandle = control.handle
        let running = Mutex(workerCount)
        let context = self.context
        let workers = self.workers
        let board = self.board
        return (0..<workerCount).map { index in
            let fd = listenerFDs[index]
            return LoopThread(name: "sluice-w\(index)") {
                let loop = EventLoop()
                let worker = Worker(index: index, loop: loop, context: context, listenerFD: fd, board: board)
                worker.onDrained = { loop.stop() }
                let reference = WorkerReference(index: index, handle: loop.handle, worker: LoopBound(worker))
                if workers.register(reference, index: index) {
                    // SIGTERM came before this thread registered: drain once the loop runs (a stop asked
                    // before `run()` would be lost).
                    loop.handle.execute { reference.worker.unwrapped.beginDrain() }
                }
                loop.run()
                // Its final figures are on the board; live reads no longer ask it.
                worker.closeEverything()
                workers.remove(index: index)
                // The last worker to finish ends the control loop.
                if running.withLock({ $0 -= 1; return $0 }) == 0 {
                    controlHandle.execute { controlBound.unwrapped.stop() }
                }
            }
        }
    }

    func forEachWorker(_ job: @escaping @Sendable (Worker, Int) -> Void) {
        run(job, on: workers.references)
    }

    private func run(_ job: @escaping @Sendable (Worker, Int) -> Void, on references: [WorkerReference]) {
        for reference in references {
            reference.handle.execute { job(reference.worker.unwrapped, reference.index) }
        }
    }

    // MARK: signals

    /// SIGTERM/SIGINT: stop accepting everywhere, let requests in flight finish for up to
    /// `shutdown_grace`, then stop whatever is left.
    private func beginDrain(signal: Int32) {
        guard !isDraining else { return }
        isDraining = true
        logger.info("draining", metadata: ["signal": "\(signal)"])
        // A worker not registered yet drains as it registers (``WorkerRegistry``).
        run({ worker, _ in worker.beginDrain() }, on: workers.beginDrain())
        runOnce(after: context.config.server.shutdownGrace.wholeNanoseconds) { [unowned self] in
            self.logger.warning("shutdown grace period over; closing remaining connections")
            self.forEachWorker { worker, _ in worker.loop.stop() }
        }
    }

    /// Runs `action` once on the control loop after `nanoseconds`. Timers that have fired are dropped when the
    /// next one is scheduled (never inside their own callback), so signals and reloads do not accumulate them.
    func runOnce(after nanoseconds: Int64, _ action: @escaping () -> Void) {
        oneShotTimers.removeAll { !$0.isArmed }
        let timer = LoopTimer(loop: control, action: action)
        timer.arm(afterNanoseconds: nanoseconds)
        oneShotTimers.append(timer)
    }

    /// (Re)starts active health checks for the current targets, when `health_check.path` is set.
    func startHealthChecks() {
        healthChecks?.stop()
        healthChecks = context.config.upstream.healthCheck.path.isEmpty ? nil : HealthCheckScheduler(context: context, loop: control)
    }

    // MARK: admin

    /// Binds the admin listener on the control loop, when `admin.listen` is set.
    func startAdmin() throws(SocketError) -> AdminServer? {
        guard let listen = context.config.admin.listen else { return nil }
        let fd = try Socket.listen(try SocketAddress(host: listen.host, port: listen.port), backlog: 128)
        if let bound = Socket.localAddress(fd) {
            logger.info("listening", metadata: ["listener": "admin", "address": "\(bound)"])
        }
        let json = ErrorEnvelope.contentType  // the envelope's media type serves every JSON answer
        let routes: [String: AdminServer.Route] = [
            "/": .immediate(requiresToken: false) { DashboardPage.response },
            "/healthz": .immediate(requiresToken: false) {
                AdminResponse(status: 200, contentType: json, body: Array(#"{"status":"ok"}"#.utf8))
            },
            "/stats": .deferred(requiresToken: true) { [unowned self] answer in
                self.liveStats?.read { report in
                    answer(AdminResponse(status: 200, contentType: json, body: Array(report.statsJSON().utf8)))
                }
            },
            "/metrics": .deferred(requiresToken: true) { [unowned self] answer in
                self.liveStats?.read { report in
                    answer(AdminResponse(status: 200, contentType: StatsReport.prometheusContentType,
                                         body: Array(report.prometheusText().utf8)))
                }
            },
            "/readyz": .immediate(requiresToken: false) { [unowned self] in
                if self.isDraining {
                    return AdminResponse(status: 503, contentType: json, body: Array(#"{"status":"draining"}"#.utf8))
                }
                if !self.context.health.hasHealthyTarget {
                    return AdminResponse(status: 503, contentType: json, body: Array(#"{"status":"no healthy upstream target"}"#.utf8))
                }
                return AdminResponse(status: 200, contentType: json, body: Array(#"{"status":"ready"}"#.utf8))
            },
        ]
        let subpathRoutes: [String: AdminServer.SubpathRoute] = [
            "/keys/": .init(requiresToken: true, notFound: "No consumer with this id in the keys file") { [unowned self] id in
                ConsumerReport.json(id: id, keys: self.context.keys, limiters: self.context.limiters)
                    .map { AdminResponse(status: 200, contentType: json, body: $0) }
            },
        ]
        return AdminServer(fd: fd, loop: control, token: context.config.admin.token, routes: routes, subpathRoutes: subpathRoutes)
    }

    /// What only the control loop knows, for a live read of the figures (``LiveStats``).
    private func gauges() -> StatsGauges {
        let states = context.health.snapshot()
        let upstreams = states.map { state in
            UpstreamGauge(target: context.targetNames[state.index], healthy: state.healthy,
                          circuit: state.circuit)
        }
        return StatsGauges(
            uptimeSeconds: Double(EventLoop.monotonicNanoseconds() - startedAt) / 1e9,
            rateLimitTrackedKeys: authority.limiters.all.reduce(0) { $0 + $1.trackedKeys },
            rateLimitEvicted: authority.limiters.all.reduce(0) { $0 + $1.evictedKeys },
            rateLimitStore: context.config.rateLimit.enabled ? context.config.rateLimit.store.rawValue : "off",
            upstreams: upstreams, keysLoaded: context.keys?.keyCount ?? 0)
    }

    /// How long a replaced access log stays open for the lines of requests still in flight.
    static let retiredAccessLogLifetime: Int64 = 120_000_000_000

    /// SIGUSR1: reopen the access-log file (after log rotation moved it).
    private func reopenAccessLog() {
        guard let accessLog = context.accessLog else { return }
        let failuresBefore = accessLog.counters.reopenFailures
        accessLog.reopen()
        // The writer's own thread reopens the file; its outcome is known shortly after.
        runOnce(after: 500_000_000) { [unowned self] in
            if accessLog.counters.reopenFailures > failuresBefore {
                self.logger.error("access log could not be reopened; still writing to the old file", metadata: [
                    "destination": "\(self.context.config.logging.accessLog)"])
            } else {
                self.logger.info("access log reopened")
            }
        }
    }

    /// Opens the access log named by `logging.access_log` (nil when off).
    static func openAccessLog(_ destination: AccessLogDestination) throws(AccessLogWriter.OpenError) -> AccessLogWriter? {
        switch destination {
        case .off: return nil
        case .stdout: return try AccessLogWriter(destination: .standardOutput)
        case .file(let path): return try AccessLogWriter(destination: .file(path: path))
        }
    }
}
