/// How a connection moves its bytes: a plain TCP socket now; a TLS session (SPEC §11) would be another
/// conformer, mapping `SSL_ERROR_WANT_READ` / `WANT_WRITE` to ``IOResult/wouldBlock``, so that connections and
/// their request state machines stay as they are. Connections hold a concrete conformer, so every call is
/// direct (no existential in the hot loop).
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
}
