import Engine
import HTTP1
import Normaliser

/// One client's keep-alive connection: reads requests, forwards each to an upstream and
/// writes the answers back in order. Registered once with its worker's loop (edge-triggered);
/// writes go straight to the socket and wait for writability only when it is full.
final class ClientConnection: IOHandler {
    enum State {
        /// Waiting for the first byte of a request (keep-alive idle).
        case idle
        case readingHead
        case readingBody
        /// The request is complete and an upstream exchange runs.
        case forwarding
        /// A final response is queued and the connection closes once it is written; input is discarded.
        case finishing
        /// Response sent (or aborted); half-closed and discarding input until the peer closes.
        case lingering
        case closed
    }

    let fd: Int32
    let peer: SocketAddress
    /// The client address as text, for `X-Forwarded-For`.
    let peerHost: String
    /// Unowned and unchecked: a worker outlives every connection it owns (it closes them before
    /// it goes), and the reference is read several times per request.
    unowned(unsafe) let worker: Worker
    private var watcher: IOWatcher?
    private var timer: LoopTimer?
    /// Fires when a retry's backoff is over (made on first use).
    var retryTimer: LoopTimer?
    let inbound = ByteBuffer()
    let outbound = ByteBuffer()
    var state: State = .idle
    var parser: RequestHeadParser
    /// The request being read or forwarded.
    var exchange = Exchange()
    var upstream: UpstreamConnection?
    /// Close once everything queued has been written.
    var closeAfterFlush = false
    /// The socket may hold unread bytes (reading stopped at a buffer limit, not at `EAGAIN`).
    var readPending = false
    /// ``processInput()`` is running (further down the stack).
    private(set) var isProcessingInput = false
    /// Counts requests on this connection, so that a late asynchronous answer (Redis) is
    /// never applied to a later request.
    var requestGeneration: UInt64 = 0
    /// The client's FIN is queued (`EV_CLOSED`): read on to end of file.
    private var peerHalfClosed = false
    private var deadline: Int64 = .max

    /// Output queued beyond this pauses the upstream body (back-pressure); below the low mark it resumes.
    static let outputHighWater = 256 * 1024
    static let outputLowWater = 64 * 1024

    init(fd: Int32, peer: SocketAddress, worker: Worker) {
        self.fd = fd
        self.peer = peer
        self.peerHost = peer.host
        self.worker = worker
        self.context = worker.context
        self.parser = RequestHeadParser(
            maxHeaderBytes: worker.context.maxHeaderBytes, maxBodyBytes: worker.context.maxBodyBytes,
            maxHeaderCount: worker.context.maxHeaderFields)
    }

    func start() {
        watcher = IOWatcher(loop: worker.loop, fd: fd, handler: self)
        timer = LoopTimer(loop: worker.loop) { [unowned self] in self.timerFired() }
        setDeadline(worker.context.clientTimeout)
    }

    /// The configuration this connection's current request runs under: taken from the worker
    /// when a request begins, so a reload applies between requests, never in the middle of one.
    private(set) var context: ProxyContext

    // MARK: readiness

    func ioReady(_ flags: EventFlags) {
        if flags.contains(.closed) { peerHalfClosed = true }
        if flags.contains(.read) || flags.contains(.closed) { readAvailable() }
        if flags.contains(.write) && state != .closed && !outbound.isEmpty { flush() }
    }

    /// How many bytes may sit in the input buffer in the current state.
    private var inputLimit: Int {
        switch state {
        case .idle, .readingHead: return context.maxHeaderBytes + 1
        case .readingBody: return max(65536, context.maxHeaderBytes + 1)
        case .forwarding: return context.maxHeaderBytes + 1   // pipelined requests wait here
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
            let (result, drained) = inbound.read(from: fd, limit: limit, peerClosed: peerHalfClosed)
            switch result {
            case .endOfFile:
                return peerClosed()
            case .failed:
                return abort()
            case .bytes, .wouldBlock:
                break
            }
            if state == .lingering || state == .finishing {
                inbound.clear()
            } else {
                if state == .readingBody && inbound.totalWritten != receivedBefore { setDeadline(context.clientTimeout) }
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
                state = .readingHead
                // The head must be complete `client_timeout` after its first byte (slowloris).
                setDeadline(context.clientTimeout)
            case .readingHead:
                switch parser.parse(inbound.readable) {
                case .incomplete:
                    return
                case .failed(let error):
                    return rejectUnparseable(error)
                case .complete(let head):
                    beginRequest(head)
                }
            case .readingBody:
                if !readBody() { return }
            case .forwarding, .finishing, .lingering, .closed:
                return
            }
        }
    }

    private func peerClosed() {
        switch state {
        case .idle, .readingHead, .readingBody, .lingering, .finishing:
            close()
        case .forwarding:
            // The client left: cancel its upstream request (the upstream sees the connection close).
            abort()
        case .closed:
            break
        }
    }

    private func adoptContext() {
        context = worker.context
        parser = RequestHeadParser(
            maxHeaderBytes: context.maxHeaderBytes, maxBodyBytes: context.maxBodyBytes, maxHeaderCount: context.maxHeaderFields)
    }

    // MARK: output

    /// Writes queued output; applies and releases back-pressure; completes a pending close.
    func flush() {
        switch outbound.write(to: fd) {
        case .failed:
            return abort()
        case .wouldBlock:
            setDeadline(context.clientTimeout)
        default:
            break
        }
        if outbound.isEmpty {
            outbound.shrinkIfIdle(keeping: 65536)
            if closeAfterFlush { return lingeringClose() }
            if worker.isDraining && state == .idle && inbound.isEmpty { return close() }
        }
        if outbound.count < ClientConnection.outputLowWater {
            upstream?.resume()
            // Pipelined requests held back by unwritten output go on now.
            if state == .idle && !isProcessingInput && !inbound.isEmpty {
                processInput()
                if readPending && state != .closed { readAvailable() }
            }
        }
    }

    /// Half-closes, then discards input until the peer closes or a short time passes, so that
    /// a final error response is not destroyed by a reset (what nginx calls lingering close).
    private func lingeringClose() {
        state = .lingering
        upstream?.close()
        upstream = nil
        Socket.shutdownWrite(fd)
        inbound.clear()
        // Short while draining: the process is waiting for this connection to go.
        setDeadline(min(context.clientTimeout, worker.isDraining ? 200_000_000 : 2_000_000_000))
        readAvailable()
    }

    /// Closes if no request is in progress (used when draining).
    func closeIfIdle() {
        if state == .idle && outbound.isEmpty { close() }
        else { exchange.closeAfterResponse = true }
    }

    /// Drops the connection at once, cancelling its upstream exchange.
    func abort() {
        recordTry(.cancelled)
        completeAccounting(status: 499)
        upstream?.close()
        upstream = nil
        close(reset: state == .forwarding)
    }

    func close(reset: Bool = false) {
        guard state != .closed else { return }
        recordTry(.cancelled)
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
        if reset { Socket.closeWithReset(fd) } else { Socket.close(fd) }
        worker.remove(self)
    }

    // MARK: timeouts (lazy: re-armed only when the timer fires before the deadline)

    func setDeadline(_ timeout: Int64) {
        let now = EventLoop.monotonicNanoseconds()
        deadline = now + timeout
        timer?.arm(notLaterThan: deadline, now: now)
    }

    func clearDeadline() { deadline = .max }

    private func timerFired() {
        guard state != .closed, deadline != .max else { return }
        let now = EventLoop.monotonicNanoseconds()
        if now < deadline {
            timer?.arm(afterNanoseconds: deadline - now)
            return
        }
        switch state {
        case .idle:
            close()
        case .readingHead, .readingBody:
            respondOwnError(.requestTimeout, close: true)
        case .forwarding:
            // Only set while output waits for a client that stopped reading.
            if !outbound.isEmpty { abort() }
        case .lingering:
            close()
        case .finishing:
            abort()
        case .closed:
            break
        }
    }
}
