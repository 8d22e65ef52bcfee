/// How a connection moves its bytes: a plain TCP socket (``SocketTransport``) or a TLS session over one
/// (``TLSTransport``, SPEC §11), which maps `SSL_ERROR_WANT_READ` / `WANT_WRITE` to ``IOResult/wouldBlock``
/// and to the two `waits` flags, so that connections and their request state machines stay as they are.
/// Connections hold a ``ConnectionTransport`` (an enum of the two), so every call is direct (no existential
/// in the hot loop).
public protocol Transport {
    /// The descriptor whose readiness the event loop watches.
    var fd: Int32 { get }
    /// Reads into `buffer` until the transport would block, the peer closed, or `limit` bytes are buffered.
    /// Returns the last result and whether the transport may hold more (see ``ByteBuffer/read(from:limit:peerClosed:)``).
    func read(into buffer: ByteBuffer, limit: Int, peerClosed: Bool) -> (result: IOResult, drained: Bool)
    /// Writes as much of `buffer` as the transport takes (and consumes it). Returns the last result.
    func write(from buffer: ByteBuffer) -> IOResult
    /// Ends the sending direction: the peer reads end of stream once what was sent has arrived.
    func shutdownWrite()
    /// Closes the connection; `reset` aborts it (RST) instead of ending it cleanly.
    func close(reset: Bool)
    /// The last read stopped because the transport must send first (a TLS handshake or key update): read
    /// again once the socket is writable.
    var readWaitsForWritable: Bool { get }
    /// The last write stopped because the transport must receive first: write again once readable.
    var writeWaitsForReadable: Bool { get }
}

/// A plain, non-blocking TCP socket.
public struct SocketTransport: Transport {
    /// The socket.
    public let fd: Int32

    /// Wraps a connected socket.
    public init(fd: Int32) {
        self.fd = fd
    }

    @inline(__always)
    public func read(into buffer: ByteBuffer, limit: Int, peerClosed: Bool) -> (result: IOResult, drained: Bool) {
        buffer.read(from: fd, limit: limit, peerClosed: peerClosed)
    }

    @inline(__always)
    public func write(from buffer: ByteBuffer) -> IOResult {
        buffer.write(to: fd)
    }

    public func shutdownWrite() {
        Socket.shutdownWrite(fd)
    }

    public func close(reset: Bool) {
        if reset { Socket.closeWithReset(fd) } else { Socket.close(fd) }
    }

    public var readWaitsForWritable: Bool { false }
    public var writeWaitsForReadable: Bool { false }
}

/// The transport a connection holds: plain or TLS, chosen when it is accepted or connected.
public enum ConnectionTransport: Transport {
    case plain(SocketTransport)
    case tls(TLSTransport)

    public var fd: Int32 {
        switch self {
        case .plain(let socket): return socket.fd
        case .tls(let tls): return tls.fd
        }
    }

    @inline(__always)
    public func read(into buffer: ByteBuffer, limit: Int, peerClosed: Bool) -> (result: IOResult, drained: Bool) {
        switch self {
        case .plain(let socket): return socket.read(into: buffer, limit: limit, peerClosed: peerClosed)
        case .tls(let tls): return tls.read(into: buffer, limit: limit, peerClosed: peerClosed)
        }
    }

    @inline(__always)
    public func write(from buffer: ByteBuffer) -> IOResult {
        switch self {
        case .plain(let socket): return socket.write(from: buffer)
        case .tls(let tls): return tls.write(from: buffer)
        }
    }

    public func shutdownWrite() {
        switch self {
        case .plain(let socket): socket.shutdownWrite()
        case .tls(let tls): tls.shutdownWrite()
        }
    }

    public func close(reset: Bool) {
        switch self {
        case .plain(let socket): socket.close(reset: reset)
        case .tls(let tls): tls.close(reset: reset)
        }
    }

    public var readWaitsForWritable: Bool {
        if case .tls(let tls) = self { return tls.readWaitsForWritable }
        return false
    }

    public var writeWaitsForReadable: Bool {
        if case .tls(let tls) = self { return tls.writeWaitsForReadable }
        return false
    }

    /// The TLS session, when there is one.
    public var tls: TLSTransport? {
        if case .tls(let tls) = self { return tls }
        return nil
    }
}
