import Engine
import Glibc
import Logging
import Synchronization

/// The running proxy: one worker thread per event loop, each with its own `SO_REUSEPORT`
/// listener, and a control loop on the calling thread that owns the signals.
public final class ProxyServer {
    private let context: ProxyContext
    private let workerCount: Int
    private var logger: Logger { context.logger }

    /// A worker as other threads see it.
    private struct WorkerReference: Sendable {
        let handle: EventLoopHandle
        let worker: LoopBound<Worker>
    }

    public init(context: ProxyContext) {
        self.context = context
        let configured = context.config.server.workers
        self.workerCount = configured > 0 ? configured : LoopThread.coreCount
    }

    /// Binds, serves until SIGTERM/SIGINT and the drain that follows, and returns the exit code.
    public func run() throws(SocketError) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let listen = context.config.server.listen
        let address = try SocketAddress(host: listen.host, port: listen.port)
        var listenerFDs = [try Socket.listen(address)]
        guard let bound = Socket.localAddress(listenerFDs[0]) else { throw SocketError("getsockname failed") }
        for _ in 1..<workerCount {
            listenerFDs.append(try Socket.listen(bound))
        }
        logger.info("listening", metadata: ["listener": "public", "address": "\(bound)", "workers": "\(workerCount)"])

        let control = EventLoop()
        let controlBound = LoopBound(control)
        let controlHandle = control.handle
        let references = Mutex<[WorkerReference]>([])
        let running = Mutex(workerCount)
        let context = self.context
        var threads: [LoopThread] = []
        for index in 0..<workerCount {
            let fd = listenerFDs[index]
            threads.append(LoopThread(name: "sluice-w\(index)") {
                let loop = EventLoop()
                let worker = Worker(index: index, loop: loop, context: context, listenerFD: fd)
                worker.onDrained = { loop.stop() }
                references.withLock { $0.append(WorkerReference(handle: loop.handle, worker: LoopBound(worker))) }
                loop.run()
                worker.closeEverything()
                // The last worker to finish ends the control loop.
                if running.withLock({ $0 -= 1; return $0 }) == 0 {
                    controlHandle.execute { controlBound.unwrapped.stop() }
                }
            })
        }

        var draining = false
        var graceTimer: LoopTimer?
        let drain: (Int32) -> Void = { [logger] signal in
            guard !draining else { return }
            draining = true
            logger.info("draining", metadata: ["signal": "\(signal)"])
            let workers = references.withLock { $0 }
            for reference in workers {
                reference.handle.execute { reference.worker.unwrapped.beginDrain() }
            }
            graceTimer = LoopTimer(loop: control) {
                logger.warning("shutdown grace period over; closing remaining connections")
                for reference in workers {
                    reference.handle.execute { reference.worker.unwrapped.loop.stop() }
                }
            }
            graceTimer?.arm(afterNanoseconds: context.config.server.shutdownGrace.nanoseconds)
        }
        let admin = try startAdmin(on: control, isDraining: { draining })
        let watchers = [
            SignalWatcher(loop: control, signal: SIGTERM, action: drain),
            SignalWatcher(loop: control, signal: SIGINT, action: drain),
        ]
        // Idle keys cost no memory: full buckets are dropped lazily and by this sweep.
        let sweepTimer = context.limiter.map { limiter in
            RepeatingTimer(loop: control, every: 10_000_000_000) { limiter.sweep() }
        }
        control.run()
        admin?.close()
        withExtendedLifetime(sweepTimer) {}
        withExtendedLifetime(watchers) {}
        for thread in threads { thread.join() }
        logger.info("stopped")
        return 0
    }
}

extension ProxyServer {
    /// Binds the admin listener on the control loop, when `admin.listen` is set.
    fileprivate func startAdmin(on control: EventLoop, isDraining: @escaping () -> Bool) throws(SocketError) -> AdminServer? {
        guard let listen = context.config.admin.listen else { return nil }
        let fd = try Socket.listen(try SocketAddress(host: listen.host, port: listen.port), backlog: 128)
        if let bound = Socket.localAddress(fd) {
            logger.info("listening", metadata: ["listener": "admin", "address": "\(bound)"])
        }
        let json: StaticString = "application/json; charset=utf-8"
        let routes: [String: AdminServer.Route] = [
            "/healthz": .init(requiresToken: false) {
                AdminResponse(status: 200, contentType: json, body: Array(#"{"status":"ok"}"#.utf8))
            },
            "/readyz": .init(requiresToken: false) {
                if isDraining() {
                    return AdminResponse(status: 503, contentType: json, body: Array(#"{"status":"draining"}"#.utf8))
                }
                return AdminResponse(status: 200, contentType: json, body: Array(#"{"status":"ready"}"#.utf8))
            },
        ]
        return AdminServer(fd: fd, loop: control, token: context.config.admin.token, routes: routes)
    }
}
