import Engine
import Exchange
import HTTP1
import Normaliser

/// One client's keep-alive connection, the I/O shell around each request's ``ExchangeMachine``: it reads and
/// parses, feeds the machine events and performs the steps it returns, and writes the answers back in order.
/// Registered once with its worker's loop (edge-triggered); writes go straight to the socket and wait for
/// writability only when it is full.
final class ClientConnection: IOHandler {
    /// The connection's own life; a request's is the machine's.
    enum State {
        /// Waiting for the first byte of a request (keep-alive idle).
        case idle
        /// A request is being read, admitted, forwarded or answered (``ExchangeMachine/state`` says which).
        case active
        /// A final response is queued and the connection closes once it is written; input is discarded.
        case finishing
        /// Response sent (or aborted); half-closed and discarding input until the peer closes.
        case lingering
        case closed
    }

    /// The client's byte stream: a plain socket, or a TLS session when `server.tls` is set.
    let transport: ConnectionTransport
    /// A TLS connection whose handshake has not finished: the deadline is `handshake_timeout`.
    private var awaitingHandshake = false
    var fd: Int32 { transport.fd }
    let peer: SocketAddress
    /// The client address as text, for `X-Forwarded-For`.
    let peerHost: String
    /// Unowned and unchecked: a worker outlives (and closes) every connection it owns; read often per request.
    unowned(unsafe) let worker: Worker
    private var watcher: IOWatcher?
    var timer: LoopTimer?
    /// Fires when a retry's backoff is over (made on first use).
    var retryTimer: LoopTimer?
    let inbound = ByteBuffer()
    let outbound = ByteBuffer()
    var state: State = .idle
    var parser: RequestHeadParser
    /// The current request's life: what happens next is decided there.
    var machine: ExchangeMachine
    /// The current request's data: what goes upstream, what comes back, what is accounted.
    var exchange = ExchangeRecord()
    /// The admission chain waits for an asynchronous step (its index): what it knows of the request so far.
    var pendingAdmission: (request: AdmissionRequest, step: Int)? = nil
    var upstream: UpstreamConnection?
    /// Close once everything queued has been written.
    var closeAfterFlush = false
    /// The socket may hold unread bytes (reading stopped at a buffer limit, not at `EAGAIN`).
    var readPending = false
    /// ``processInput()`` is running (further down the stack).
    private(set) var isProcessingInput = false
    /// Counts requests on this connection, so that a late asynchronous answer (Redis) never meets a later one.
    var requestGeneration: UInt64 = 0
    /// The client's FIN is queued (`EV_CLOSED`): read on to end of file.
    private var peerHalfClosed = false
    /// The last write left output the socket did not take.
    var writeStalled = false
    /// When the current wait (head, body, idle, or output the client does not read) times out (monotonic).
    var deadline: Int64 = .max

    /// Output queued beyond this pauses the upstream body (back-pressure); below the low mark it resumes.
    static let outputHighWater = 256 * 1024
    static let outputLowWater = 64 * 1024

    init(transport: ConnectionTransport, peer: SocketAddress, worker: Worker) {
        self.transport = transport
        self.peer = peer
        self.peerHost = peer.host
        self.worker = worker
        self.context = worker.context
        self.parser = RequestHeadParser(
            maxHeaderBytes: worker.context.maxHeaderBytes, maxBodyBytes: worker.context.maxBodyBytes,
            maxHeaderCount: worker.context.maxHeaderFields)
        self.machine = ExchangeMachine(policy: worker.context.retryPolicy, health: worker.context.health, clock: worker.context.clock)
    }

    func start() {
        watcher = IOWatcher(loop: worker.loop, fd: fd, handler: self)
        timer = LoopTimer(loop: worker.loop) { [unowned self] in self.timerFired() }
        if transport.tls != nil {
            awaitingHandshake = true
            setDeadline(context.handshakeTimeout)
        } else {
            setDeadline(context.clientTimeout)
        }
    }

    /// The configuration this connection's current request runs under: taken from the worker
    /// when a request begins, so a reload applies between requests, never in the middle of one.
    private(set) var context: ProxyContext

    /// Whether the request itself (head or body) is being read.
    var isReadingRequest: Bool {
        switch machine.state {
        case .readingHead, .readingBody: return state == .active
        default: return false
        }
    }

    // MARK: input

    func ioReady(_ flags: EventFlags) {
        if flags.contains(.closed) { peerHalfClosed = true }
        if flags.contains(.read) || flags.contains(.closed) {
            readAvailable()
            if transport.writeWaitsForReadable && state != .closed && !outbound.isEmpty { flush() }
        }
        if flags.contains(.write) && state != .closed {
            if !outbound.isEmpty { flush() }
            if transport.readWaitsForWritable && state != .closed { readAvailable() }
        }
    }

    /// How many bytes may sit in the input buffer in the current state (pipelined requests wait within it).
    private var inputLimit: Int {
        switch state {
        case .idle: return context.maxHeaderBytes + 1
        case .active:
            if case .readingBody = machine.state { return max(65536, context.maxHeaderBytes + 1) }
            return context.maxHeaderBytes + 1
        case .lingering, .finishing: return 65536
        case .closed: return 0
        }
    }

    func readAvailable() {
        while state != .closed {
            let limit = inputLimit
            if inbound.count >= limit {
                readPending = true
                return
            }
            let receivedBefore = inbound.totalWritten
            let (result, drained) = transport.read(into: inbound, limit: limit, peerClosed: peerHalfClosed)
            switch result {
            case .endOfFile: return clientLeft()
            case .failed:
                if let tls = transport.tls, tls.failedInHandshake {
                    // As nginx logs a failed SSL_do_handshake at info: scanners and old clients make these routine.
                    worker.logger.debug("TLS handshake failed", metadata: [
                        "client": "\(peerHost)", "reason": "\(tls.failureReason ?? "unknown")"])
                }
                return clientLeft()
            case .bytes, .wouldBlock: break
            }
            if awaitingHandshake && !handshakeSettled() { return }
            if state == .lingering || state == .finishing {
                inbound.clear()
            } else {
                if case .readingBody = machine.state, state == .active, inbound.totalWritten != receivedBefore {
                    setDeadline(context.clientTimeout)  // a body stalls only when nothing arrives
                }
                processInput()
            }
            if drained {
                readPending = false
                return
            }
        }
    }

    /// Parses and handles whatever complete input is buffered. Never re-entered: a request
    /// answered synchronously while this loop runs only returns the connection to `.idle`, and
    /// the loop goes on with the next pipelined request (no recursion, however many there are).
    func processInput() {
        guard !isProcessingInput else { return }
        isProcessingInput = true
        defer { isProcessingInput = false }
        while true {
            switch state {
            case .idle:
                if inbound.isEmpty { return }
                // Pipelined requests wait while earlier answers are not written: a client that
                // sends and never reads cannot make sluice buffer without limit.
                if outbound.count >= ClientConnection.outputHighWater { return }
                if context !== worker.context { adoptContext() }
                state = .active
                // The head must be complete `client_timeout` after its first byte (slowloris).
                setDeadline(context.clientTimeout)
            case .active:
                switch machine.state {
                case .readingHead:
                    switch parser.parse(inbound.readable) {
                    case .incomplete: return
                    case .failed(let error): return rejectUnparseable(error)
                    case .complete(let head): beginRequest(head)
                    }
                case .readingBody:
                    if !readBody() { return }
                default:
                    return
                }
            case .finishing, .lingering, .closed:
                return
            }
        }
    }

    /// After a TLS read: false while the handshake goes on. Once it is done the keep-alive deadline starts; a
    /// plain HTTP request on the TLS port is answered 400 in plain text and the connection closes (SPEC §11).
    private func handshakeSettled() -> Bool {
        guard let tls = transport.tls else { return true }
        switch tls.phase {
        case .awaitingFirstByte, .handshaking, .failed:
            return false
        case .established:
            awaitingHandshake = false
            setDeadline(context.clientTimeout)
            return true
        case .plainHTTP:
            awaitingHandshake = false
            state = .active
            rejectUnparseable(.badRequest("plain HTTP request sent to the TLS port"))
            return false
        }
    }

    /// The client closed or reset its connection.
    private func clientLeft() {
        if state == .active { abort() } else { close() }
    }

    private func adoptContext() {
        context = worker.context
        parser = RequestHeadParser(
            maxHeaderBytes: context.maxHeaderBytes, maxBodyBytes: context.maxBodyBytes, maxHeaderCount: context.maxHeaderFields)
        machine.configure(policy: context.retryPolicy, health: context.health)
    }

    // MARK: closing

    /// Closes if no request is in progress (used when draining).
    func closeIfIdle() {
        if state == .idle && outbound.isEmpty { close() } else { exchange.closeAfterResponse = true }
    }

    /// The client went away (or sluice gives up on it): its request is cancelled — a running try is
    /// recorded as cancelled, never as its target's failure — and the connection dropped.
    func abort() {
        let reset = state == .active && !isReadingRequest
        close(reset: reset)
    }

    /// Closes the connection; a request still under way is cancelled (and accounted with status 499).
    func close(reset: Bool = false) {
        guard state != .closed else { return }
        if let record = machine.clientGone().record { self.record(record) }
        completeAccounting(status: 499)
        state = .closed
        retryTimer?.close()
        retryTimer = nil
        upstream?.close()
        upstream = nil
        watcher?.cancel()
        watcher = nil
        timer?.close()
        timer = nil
        transport.close(reset: reset)
        worker.remove(self)
    }
}
