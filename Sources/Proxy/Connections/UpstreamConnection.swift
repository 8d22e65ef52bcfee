import Engine
import HTTP1

/// One TCP (or TLS, for an `https://` target) connection to an upstream target, registered once with its
/// worker's loop. A TLS handshake belongs to connecting: it ends by `connect_timeout`, and a failed one fails
/// the try as a refused connection would (SPEC §11), its reason logged.
/// Runs one exchange at a time; between exchanges it waits in its target's ``UpstreamPool``.
final class UpstreamConnection: IOHandler {
    enum State { case connecting, awaitingHead, readingBody, idle, closed }

    /// The upstream's byte stream: a plain socket, or a TLS session for an `https://` target.
    private let transport: ConnectionTransport
    /// The TCP connect has completed (a TLS handshake may still be under way).
    private var socketConnected = false
    var fd: Int32 { transport.fd }
    let target: Int
    /// The pool this connection returns to (a reload may retire it).
    private let pool: UpstreamPool
    /// Unowned and unchecked: a worker outlives every connection and listener it owns (it closes
    /// them before it goes), and the reference is read several times per request.
    private unowned(unsafe) let worker: Worker
    /// The configuration the connection was opened under (timeouts, keepalive).
    private let context: ProxyContext
    private var watcher: IOWatcher?
    private var timer: LoopTimer?
    private let inbound = ByteBuffer()
    private let outbound = ByteBuffer()
    private(set) var state: State = .connecting
    /// Whether the current exchange runs on a connection that served an earlier one.
    private(set) var reused = false
    private var receivedAny = false
    private var parser: ResponseHeadParser
    private var framing: BodyFraming = .none
    private var remaining = 0
    private var decoder = ChunkedDecoder()
    private var mode: UpstreamBodyMode = .raw
    private var keepAlive = false
    private var requestWasHEAD = false
    private var paused = false
    private var readPending = false
    /// The upstream closed its side; what is buffered is all that will come.
    private var peerClosed = false
    /// Read returned end of file.
    private var eofSeen = false
    private var deadline: Int64 = .max
    private var deadlineFailure: UpstreamFailure = .responseTimeout
    /// The request's overall deadline (monotonic): connecting and waiting for the head end by then, whatever
    /// their own timeouts say (SPEC §4: a request's tries end within 2 × (connect + response timeout)).
    private var triesDeadline: Int64 = .max
    weak var delegate: UpstreamDelegate?

    /// Starts connecting to `target`; throws when the connect fails at once.
    init(target: Int, pool: UpstreamPool, context: ProxyContext, worker: Worker) throws(SocketError) {
        self.target = target
        self.worker = worker
        self.pool = pool
        self.context = context
        let fd = try Socket.connect(to: context.targets[target])
        if let serverName = context.targetServerNames[target], let tls = context.tls.upstream {
            do {
                let session = try TLSTransport(connected: fd, context: tls, serverName: serverName)
                if let saved = pool.savedTLSSession { session.offer(saved) }
                self.transport = .tls(session)
            } catch {
                Socket.close(fd)
                throw SocketError("TLS session for \(context.targetNames[target]): \(error)")
            }
        } else {
            self.transport = .plain(SocketTransport(fd: fd))
        }
        self.parser = ResponseHeadParser(maxHeaderBytes: max(context.maxHeaderBytes, 65536))
        self.watcher = IOWatcher(loop: worker.loop, fd: fd, handler: self)
        self.timer = LoopTimer(loop: worker.loop) { [unowned self] in self.timerFired() }
        setDeadline(context.connectTimeout, failure: .connectTimeout)
    }

    /// Sends a complete request (head and body) and waits for the response; connecting and waiting for the
    /// final response head end at `triesDeadline` (monotonic) at the latest.
    func send(_ request: UnsafeRawBufferPointer, isHEAD: Bool, triesDeadline: Int64, delegate: UpstreamDelegate) {
        assert(state != .closed, "send on a closed upstream connection")
        self.delegate = delegate
        self.triesDeadline = triesDeadline
        if state == .connecting && deadline > triesDeadline {
            deadline = triesDeadline
            timer?.arm(notLaterThan: deadline, now: EventLoop.monotonicNanoseconds())
        }
        requestWasHEAD = isHEAD
        receivedAny = false
        paused = false
        parser.reset()
        outbound.append(request)
        if state == .idle {
            reused = true
            state = .awaitingHead
            setDeadline(context.responseTimeout, failure: .responseTimeout)
            flush()
        }
    }

    // MARK: readiness

    func ioReady(_ flags: EventFlags) {
        if state == .connecting {
            guard flags.contains(.write) || flags.contains(.read) else { return }
            if !socketConnected {
                let error = Socket.pendingError(fd)
                if error != 0 { return fail(.connectFailed(error)) }
                socketConnected = true
            }
            if let tls = transport.tls {
                switch tls.continueHandshake() {
                case .established: break
                case .pending: return
                case .failed: return failHandshake(tls)
                }
            }
            state = .awaitingHead
            setDeadline(context.responseTimeout, failure: .responseTimeout)
            // The request waiting for the connection goes now, whichever edge completed it.
            if !outbound.isEmpty { flush() }
        } else if !outbound.isEmpty && (flags.contains(.write) || (flags.contains(.read) && transport.writeWaitsForReadable)) {
            flush()
        }
        if flags.contains(.closed) { peerClosed = true }
        if flags.contains(.read) || flags.contains(.closed) || (flags.contains(.write) && transport.readWaitsForWritable) {
            readAvailable()
        }
    }

    private func flush() {
        guard state != .closed else { return }
        switch transport.write(from: outbound) {
        case .failed:
            // The upstream may have answered before reading the whole request (an early error): read first.
            outbound.clear()
            readAvailable()
        default:
            break
        }
    }

    /// Resumes reading after the delegate paused delivery.
    func resume() {
        guard paused else { return }
        paused = false
        deliverBuffered()
        if eofSeen && state != .closed && !paused { return endOfStream() }
        if readPending && state != .closed && !paused {
            readPending = false
            readAvailable()
        }
    }

    private func readAvailable() {
        while state != .closed {
            if paused { readPending = true; return }
            let (result, drained) = transport.read(into: inbound, limit: 262_144, peerClosed: peerClosed)
            switch result {
            case .endOfFile:
                // Bytes that arrived just before the close come first; a paused delivery
                // finishes the stream when it resumes.
                peerClosed = true
                eofSeen = true
                if !inbound.isEmpty { processInbound() }
                guard state != .closed, !paused else { return }
                return endOfStream()
            case .failed:
                return failBroken()
            case .bytes, .wouldBlock:
                if case .bytes = result, state == .readingBody {
                    setDeadline(context.responseTimeout, failure: .responseTimeout)
                }
                processInbound()
                if drained { return }
            }
        }
    }

    private func processInbound() {
        if state == .idle {
            // A readable idle TLS connection may have received only TLS records (a TLS 1.3 session ticket): no bytes.
            if inbound.isEmpty { return }
            // Bytes on an idle connection: the upstream broke the protocol; drop the connection.
            return close(removeFromPool: true)
        }
        if state == .awaitingHead { parseHead() }
        if state == .readingBody { deliverBuffered() }
    }

    private func parseHead() {
        while state == .awaitingHead && !inbound.isEmpty {
            receivedAny = true
            switch parser.parse(inbound.readable, requestWasHEAD: requestWasHEAD) {
            case .incomplete:
                return
            case .failed(let error):
                return fail(.invalidResponse(String(describing: error)))
            case .complete(let head):
                if head.status < 200 {
                    switch head.status {
                    case 100:
                        break  // consumed: the final response follows
                    case 103:
                        delegate?.upstreamDidReceiveEarlyHints(head, buffer: inbound.readable)
                        guard state != .closed else { return }
                    default:
                        // Nobody asked for it (sluice forwards no Upgrade): not a valid answer (SPEC §4).
                        return fail(.invalidResponse("unexpected interim response \(head.status)"))
                    }
                    inbound.consume(head.length)
                    parser.reset()
                    continue
                }
                triesDeadline = .max  // the body is not bound by the tries' deadline
                framing = head.framing
                keepAlive = head.keepAlive
                mode = delegate?.upstreamDidReceiveHead(head, buffer: inbound.readable) ?? .raw
                guard state != .closed else { return }
                inbound.consume(head.length)
                state = .readingBody
                switch framing {
                case .none: return finish()
                case .contentLength(let length):
                    remaining = length
                    if length == 0 { return finish() }
                case .chunked: decoder = ChunkedDecoder()
                case .untilClose: keepAlive = false
                }
            }
        }
    }

    /// Hands buffered body bytes to the delegate until it pauses or the body ends.
    private func deliverBuffered() {
        while state == .readingBody && !paused && !inbound.isEmpty {
            switch framing {
            case .contentLength:
                let n = min(remaining, inbound.count)
                let wantsMore = deliver(UnsafeRawBufferPointer(rebasing: inbound.readable[0..<n]))
                guard state != .closed else { return }  // the delegate closed this connection
                inbound.consume(n)
                remaining -= n
                if remaining == 0 { return finish() }
                if !wantsMore { paused = true }
            case .untilClose:
                let n = inbound.count
                let wantsMore = deliver(inbound.readable)
                guard state != .closed else { return }
                inbound.consume(n)
                if !wantsMore { paused = true }
            case .chunked:
                let slice = inbound.readable
                var wantsMore = true
                let step: (consumed: Int, finished: Bool)
                do {
                    if mode == .decoded {
                        step = try decoder.decode(slice) { range in
                            if !self.deliver(UnsafeRawBufferPointer(rebasing: slice[range])) { wantsMore = false }
                        }
                    } else {
                        step = try decoder.decode(slice) { _ in }
                        if step.consumed > 0 {
                            wantsMore = deliver(UnsafeRawBufferPointer(rebasing: slice[0..<step.consumed]))
                        }
                    }
                } catch {
                    return fail(.invalidResponse("bad chunked body"))
                }
                guard state != .closed else { return }
                inbound.consume(step.consumed)
                if step.finished { return finish() }
                if !wantsMore { paused = true }
                if step.consumed == 0 { return }
            case .none:
                return finish()
            }
        }
    }

    @inline(__always)
    private func deliver(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let delegate else { return true }
        return delegate.upstreamDidReceiveBody(bytes)
    }

    private func endOfStream() {
        switch state {
        case .readingBody where framing == .untilClose:
            keepAlive = false
            finish()
        case .readingBody:
            fail(.brokenMidBody)
        case .idle:
            close(removeFromPool: true)
        case .connecting:
            fail(.connectFailed(0))
        case .awaitingHead:
            fail(.brokenBeforeResponse(anyByte: receivedAny))
        case .closed:
            break
        }
    }

    /// The TLS handshake failed: logged with OpenSSL's reason, and a failed try like a refused connection.
    private func failHandshake(_ tls: TLSTransport) {
        let reason = tls.failureReason ?? "unknown"
        worker.logger.warning("upstream TLS handshake failed", metadata: [
            "target": "\(context.targetNames[target])", "reason": "\(reason)"])
        fail(.tlsFailed(reason))
    }

    private func failBroken() {
        if let tls = transport.tls, tls.failedInHandshake { return failHandshake(tls) }
        switch state {
        case .readingBody: fail(.brokenMidBody)
        case .idle: close(removeFromPool: true)
        case .connecting: fail(.connectFailed(Socket.pendingError(fd)))
        default: fail(.brokenBeforeResponse(anyByte: receivedAny))
        }
    }

    private func finish() {
        guard state != .closed else { return }
        // Never pool a connection the upstream has closed (its FIN is already here).
        let reusable = keepAlive && inbound.isEmpty && outbound.isEmpty && !peerClosed && !eofSeen && !worker.isDraining
        let delegate = self.delegate
        self.delegate = nil
        deadline = .max
        triesDeadline = .max
        // After a response, a TLS 1.3 session's tickets have arrived: the next connection resumes this one.
        if let saved = transport.tls?.savedSession() { pool.savedTLSSession = saved }
        if reusable {
            state = .idle
            inbound.shrinkIfIdle()
            pool.release(self, limit: context.keepalive)
        } else {
            close()
        }
        delegate?.upstreamDidFinish()
    }

    private func fail(_ failure: UpstreamFailure) {
        let delegate = self.delegate
        let reused = self.reused
        close()
        delegate?.upstreamDidFail(failure, reused: reused)
    }

    /// Closes the connection (cancelling any exchange without telling the delegate).
    func close(removeFromPool: Bool = false) {
        guard state != .closed else { return }
        if removeFromPool { pool.remove(self) }
        state = .closed
        delegate = nil
        watcher?.cancel()
        watcher = nil
        timer?.close()
        timer = nil
        transport.close(reset: false)
    }

    // MARK: timeouts (lazy: the timer is re-armed only when it fires early)

    private func setDeadline(_ timeout: Int64, failure: UpstreamFailure) {
        let now = EventLoop.monotonicNanoseconds()
        deadline = min(now + timeout, triesDeadline)
        deadlineFailure = failure
        timer?.arm(notLaterThan: deadline, now: now)
    }

    private func timerFired() {
        guard state == .connecting || state == .awaitingHead || state == .readingBody, deadline != .max else { return }
        let now = EventLoop.monotonicNanoseconds()
        if paused { deadline = now + context.responseTimeout }  // a slow client is the client side's concern
        if now < deadline {
            timer?.arm(afterNanoseconds: deadline - now)
            return
        }
        if state == .readingBody { return fail(.brokenMidBody) }
        fail(deadlineFailure)
    }
}
