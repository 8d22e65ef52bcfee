import Glibc
import OpenSSLBinding

/// A TLS session over a non-blocking socket that stays registered once, edge-triggered (SPEC §11).
///
/// `SSL_ERROR_WANT_READ` is ``IOResult/wouldBlock`` (the next readable edge comes once the socket is drained:
/// OpenSSL reads until `EAGAIN`); `SSL_ERROR_WANT_WRITE` during a read (or `WANT_READ` during a write) sets
/// ``readWaitsForWritable`` (``writeWaitsForReadable``), which the connection checks on the other edge.
/// Reads go on until OpenSSL wants more from the socket, so decrypted bytes buffered in OpenSSL
/// (`SSL_pending`) are never left behind an edge that will not come.
///
/// A server transport first looks at the first byte without taking it: a TLS handshake record (0x16) starts
/// the handshake, a capital letter is a plain HTTP request sent to the TLS port (``receivedPlainHTTP``: the
/// connection answers 400 in plain text and closes), anything else fails the connection.
public final class TLSTransport: Transport {
    /// Where the session is.
    public enum Phase: Equatable {
        /// Server only: nothing has arrived yet.
        case awaitingFirstByte
        case handshaking
        case established
        /// A plain HTTP request arrived on the TLS port: bytes move in the clear, for the 400 answer.
        case plainHTTP
        /// The handshake or the session failed (``failureReason``).
        case failed
    }

    public let fd: Int32
    private let session: TLSSession
    public private(set) var phase: Phase
    public private(set) var readWaitsForWritable = false
    public private(set) var writeWaitsForReadable = false
    /// Why the session failed (OpenSSL's reason, or the certificate verification error).
    public private(set) var failureReason: String?
    /// The session failed before it was established (a refused or unverifiable handshake).
    public private(set) var failedInHandshake = false

    /// How far a handshake step got.
    public enum HandshakeProgress: Equatable {
        case established
        /// Waiting for the socket (``readWaitsForWritable`` says which edge).
        case pending
        /// The handshake failed (``failureReason``).
        case failed
    }

    /// The largest plaintext offered to one `SSL_write` (one record): a retry after `WANT_WRITE` then always
    /// offers at least what the failed call did.
    private static let writeChunk = 16384
    /// The errno reported for a failed session.
    private static var failure: IOResult { .failed(EPROTO) }

    /// The server side of an accepted socket.
    public init(accepted fd: Int32, context: TLSServerContext) throws(OpenSSLError) {
        self.fd = fd
        self.session = try TLSSession(server: context, fd: fd)
        self.phase = .awaitingFirstByte
    }

    /// The client side of a connected (or connecting) socket; `serverName` is the SNI and verified name.
    public init(connected fd: Int32, context: TLSClientContext, serverName: String) throws(OpenSSLError) {
        self.fd = fd
        self.session = try TLSSession(client: context, fd: fd, serverName: serverName)
        self.phase = .handshaking
    }

    /// A client transport offers `saved` for resumption (before its handshake).
    public func offer(_ saved: TLSSavedSession) { session.offer(saved) }

    /// The session, for a later connection to resume; nil before it is established or when not resumable.
    public func savedSession() -> TLSSavedSession? { phase == .established ? session.savedSession() : nil }

    /// The handshake is over and application data flows.
    public var isEstablished: Bool { phase == .established }
    /// A plain HTTP request was sent to this TLS port.
    public var receivedPlainHTTP: Bool { phase == .plainHTTP }
    /// The agreed ALPN protocol, the TLS version and whether the session was resumed (established only).
    public var negotiatedProtocol: String? { session.negotiatedProtocol }
    public var protocolVersion: String { session.protocolVersion }
    public var isResumed: Bool { session.isResumed }

    public func read(into buffer: ByteBuffer, limit: Int, peerClosed: Bool) -> (result: IOResult, drained: Bool) {
        while true {
            switch phase {
            case .awaitingFirstByte:
                let (result, byte) = Socket.peekByte(fd)
                guard case .bytes = result else { return (result, true) }
                if byte == 0x16 {
                    phase = .handshaking
                } else if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                    phase = .plainHTTP
                } else {
                    return fail("not a TLS handshake (first byte 0x\(String(byte, radix: 16)))")
                }
            case .plainHTTP:
                return buffer.read(from: fd, limit: limit, peerClosed: peerClosed)
            case .handshaking:
                switch continueHandshake() {
                case .established: continue
                case .pending: return (.wouldBlock, true)
                case .failed: return (TLSTransport.failure, true)
                }
            case .established:
                return readRecords(into: buffer, limit: limit)
            case .failed:
                return (TLSTransport.failure, true)
            }
        }
    }

    private func readRecords(into buffer: ByteBuffer, limit: Int) -> (result: IOResult, drained: Bool) {
        readWaitsForWritable = false
        var last = IOResult.wouldBlock
        while buffer.count < limit {
            switch session.read(into: buffer.readingWindow(limit: limit)) {
            case .bytes(let n):
                buffer.commit(n)
                last = .bytes(n)
            case .wantRead:
                return (last, true)
            case .wantWrite:
                readWaitsForWritable = true
                return (last, true)
            case .closed:
                return (.endOfFile, true)
            case .failed(let reason):
                return fail(reason)
            }
        }
        return (last, false)
    }

    public func write(from buffer: ByteBuffer) -> IOResult {
        switch phase {
        case .plainHTTP:
            return buffer.write(to: fd)
        case .awaitingFirstByte:
            return .wouldBlock
        case .handshaking:
            // Output waits for the handshake, which this edge may advance.
            switch continueHandshake() {
            case .established: break
            case .pending: return .wouldBlock
            case .failed: return TLSTransport.failure
            }
        case .established:
            break
        case .failed:
            return TLSTransport.failure
        }
        writeWaitsForReadable = false
        var last = IOResult.bytes(0)
        while !buffer.isEmpty {
            let chunk = UnsafeRawBufferPointer(rebasing: buffer.readable.prefix(TLSTransport.writeChunk))
            switch session.write(from: chunk) {
            case .bytes(let n):
                buffer.consume(n)
                last = .bytes(n)
            case .wantWrite:
                return .wouldBlock
            case .wantRead:
                writeWaitsForReadable = true
                return .wouldBlock
            case .closed:
                return .failed(EPIPE)
            case .failed(let reason):
                return fail(reason).result
            }
        }
        return last
    }

    /// Advances the handshake as far as the socket allows; a client calls it once connected, a server's reads do.
    /// While pending, the edge to wait for is the readable one unless ``readWaitsForWritable``.
    public func continueHandshake() -> HandshakeProgress {
        guard phase == .handshaking else { return phase == .established ? .established : .failed }
        readWaitsForWritable = false
        writeWaitsForReadable = false
        switch session.handshake() {
        case .done:
            phase = .established
            return .established
        case .wantRead:
            writeWaitsForReadable = true
            return .pending
        case .wantWrite:
            readWaitsForWritable = true
            return .pending
        case .failed(let reason):
            _ = fail(reason)
            return .failed
        }
    }

    /// Sends close_notify, then half-closes the socket.
    public func shutdownWrite() {
        if phase == .established { session.shutdown() }
        Socket.shutdownWrite(fd)
    }

    /// Closes; a clean close sends close_notify first (nginx does the same), a reset does not.
    public func close(reset: Bool) {
        if reset {
            Socket.closeWithReset(fd)
        } else {
            if phase == .established { session.shutdown() }
            Socket.close(fd)
        }
    }

    private func fail(_ reason: String) -> (result: IOResult, drained: Bool) {
        if phase == .handshaking || phase == .awaitingFirstByte { failedInHandshake = true }
        phase = .failed
        failureReason = reason
        return (TLSTransport.failure, true)
    }
}
