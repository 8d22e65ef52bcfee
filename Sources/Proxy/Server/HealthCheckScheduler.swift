import Engine
import Essentials
import HTTP1
import Logging
import OpenSSLBinding
import Resilience

/// Active health checks (SPEC §6): `GET health_check.path` on every target every `interval`,
/// from the control loop (one place, not once per worker). Results go to the shared
/// ``TargetHealth`` through the pure ``HealthChecker``.
final class HealthCheckScheduler {
    private let context: ProxyContext
    private let loop: EventLoop
    private var checker: HealthChecker
    private var timer: LoopTimer?
    private var probes: [Int: HealthProbe] = [:]

    init(context: ProxyContext, loop: EventLoop) {
        self.context = context
        self.loop = loop
        self.checker = HealthChecker(health: context.health, interval: context.config.upstream.healthCheck.interval, clock: MonotonicClock())
        self.timer = LoopTimer(loop: loop) { [unowned self] in self.runDueChecks() }
        timer?.arm(afterNanoseconds: 0)
    }

    private func runDueChecks() {
        for target in checker.dueTargets() where probes[target] == nil {
            let request = Array("GET \(context.config.upstream.healthCheck.path) HTTP/1.1\r\nHost: \(context.targetHosts[target])\r\nUser-Agent: sluice-health-check\r\nConnection: close\r\n\r\n".utf8)
            probes[target] = HealthProbe(
                address: context.targets[target], request: request,
                timeout: context.config.upstream.healthCheck.timeout.wholeNanoseconds, loop: loop,
                tls: context.tls.upstream.flatMap { tls in context.targetServerNames[target].map { (tls, $0) } }
            ) { [unowned self] status in
                self.probes[target] = nil
                if let transition = self.checker.record(target: target, status: status) {
                    self.context.logger.warning("health check: target \(transition == .cameUp ? "up" : "down")", metadata: [
                        "target": "\(self.context.targetNames[target])", "status": "\(status.map(String.init) ?? "no answer")"])
                }
            }
        }
        timer?.arm(afterNanoseconds: max(checker.delayUntilNextDue().wholeNanoseconds, 1_000_000))
    }

    func stop() {
        timer?.close()
        timer = nil
        for probe in probes.values { probe.cancel() }
        probes.removeAll()
    }
}

/// One health-check request on its own connection (TLS for an `https://` target, as requests get): reports the
/// response status, or nil when the target could not be reached, failed the handshake, answered garbage or
/// took longer than the timeout.
final class HealthProbe: IOHandler {
    private var transport: ConnectionTransport?
    private var connected = false
    private var watcher: IOWatcher?
    private var timer: LoopTimer?
    private let inbound = ByteBuffer()
    private let outbound = ByteBuffer()
    private var parser = ResponseHeadParser(maxHeaderBytes: 16384)
    private var completion: ((Int?) -> Void)?

    /// - Parameter tls: the client context and the name to send and verify, for an `https://` target.
    init(address: SocketAddress, request: [UInt8], timeout: Int64, loop: EventLoop,
         tls: (context: TLSClientContext, serverName: String)?, completion: @escaping (Int?) -> Void) {
        self.completion = completion
        outbound.append(request)
        timer = LoopTimer(loop: loop) { [unowned self] in self.finish(nil) }
        timer?.arm(afterNanoseconds: timeout)
        do {
            let fd = try Socket.connect(to: address)
            if let tls {
                guard let session = try? TLSTransport(connected: fd, context: tls.context, serverName: tls.serverName) else {
                    Socket.close(fd)
                    throw SocketError("TLS session")
                }
                transport = .tls(session)
            } else {
                transport = .plain(SocketTransport(fd: fd))
            }
            watcher = IOWatcher(loop: loop, fd: fd, handler: self)
        } catch {
            // Report on the next loop turn, never from inside the initialiser.
            timer?.arm(afterNanoseconds: 0)
        }
    }

    func ioReady(_ flags: EventFlags) {
        guard let transport else { return }
        if !connected {
            guard flags.contains(.write) || flags.contains(.read) else { return }
            if Socket.pendingError(transport.fd) != 0 { return finish(nil) }
            connected = true
        }
        if !outbound.isEmpty {
            // Writing drives a TLS handshake first; until the request is out, the next edge carries on.
            if case .failed = transport.write(from: outbound) { return finish(nil) }
            if !outbound.isEmpty { return }
        }
        let (result, _) = transport.read(into: inbound, limit: 16385, peerClosed: false)
        switch parser.parse(inbound.readable, requestWasHEAD: false) {
        case .complete(let head): finish(head.status)
        case .failed: finish(nil)
        case .incomplete:
            if result == .endOfFile { finish(nil) }
            if case .failed = result { finish(nil) }
        }
    }

    private func finish(_ status: Int?) {
        guard let completion else { return }
        self.completion = nil
        cancel()
        completion(status)
    }

    func cancel() {
        completion = nil
        watcher?.cancel()
        watcher = nil
        timer?.close()
        timer = nil
        transport?.close(reset: false)
        transport = nil
    }
}
