internal import CLibevent
import Glibc

/// The outcome of a non-blocking read or write.
public enum IOResult: Equatable {
    /// This many bytes moved (more than zero).
    case bytes(Int)
    /// `EAGAIN`: wait for the next edge.
    case wouldBlock
    /// The peer closed (reads only).
    case endOfFile
    /// Any other error (`ECONNRESET`, `EPIPE`, …).
    case failed(Int32)
}

/// Every socket system call sluice makes, in one place.
public enum Socket {
    /// A non-blocking listening socket bound to `address`, with `SO_REUSEPORT` so that each
    /// worker can own one on the same port.
    public static func listen(_ address: SocketAddress, backlog: Int32 = 1024) throws(SocketError) -> Int32 {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .errno("socket") }
        sluice_setsockopt_int(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        sluice_setsockopt_int(fd, SOL_SOCKET, SO_REUSEPORT, 1)
        var storage = address.storage
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, address.length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw .errno("bind \(address)", code)
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            throw .errno("listen \(address)", code)
        }
        return fd
    }

    /// The address a socket is bound to (to learn the port the kernel chose for port 0).
    public static func localAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return status == 0 ? SocketAddress(storage: storage, length: length) : nil
    }

    /// Accepts one connection, non-blocking and close-on-exec, with `TCP_NODELAY`.
    /// Returns nil when none is waiting or on an error (`errno` tells which: `EAGAIN` when the
    /// queue is empty, `EMFILE`/`ENFILE` when descriptors ran out).
    public static func accept(_ listener: Int32) -> (fd: Int32, peer: SocketAddress)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sluice_accept4(listener, $0, &length)
            }
        }
        guard fd >= 0 else { return nil }
        sluice_setsockopt_int(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        return (fd, SocketAddress(storage: storage, length: length))
    }

    /// Starts a non-blocking connect. Returns the socket; completion is signalled by
    /// writability, and ``pendingError(_:)`` tells whether it succeeded.
    public static func connect(to address: SocketAddress) throws(SocketError) -> Int32 {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .errno("socket") }
        sluice_setsockopt_int(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        var storage = address.storage
        let status = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
        }
        if status != 0 && errno != EINPROGRESS {
            let code = errno
            close(fd)
            throw .errno("connect \(address)", code)
        }
        return fd
    }

    /// `SO_ERROR` of a socket: 0 once a non-blocking connect succeeded.
    public static func pendingError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length)
        return value
    }

    /// Reads into `buffer`.
    @inline(__always)
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .endOfFile }
            let code = errno
            if code == EINTR { continue }
            return code == EAGAIN || code == EWOULDBLOCK ? .wouldBlock : .failed(code)
        }
    }

    /// The next byte waiting on a socket, left there (`MSG_PEEK`): what a TLS listener looks at to tell a
    /// ClientHello from plain HTTP.
    public static func peekByte(_ fd: Int32) -> (result: IOResult, byte: UInt8) {
        var byte: UInt8 = 0
        while true {
            let n = recv(fd, &byte, 1, Int32(MSG_PEEK))
            if n > 0 { return (.bytes(1), byte) }
            if n == 0 { return (.endOfFile, 0) }
            let code = errno
            if code == EINTR { continue }
            return (code == EAGAIN || code == EWOULDBLOCK ? .wouldBlock : .failed(code), 0)
        }
    }

    /// Writes from `buffer` (never raises SIGPIPE).
    @inline(__always)
    public static func write(_ fd: Int32, from buffer: UnsafeRawBufferPointer) -> IOResult {
        while true {
            let n = send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return .bytes(n) }
            let code = errno
            if code == EINTR { continue }
            return code == EAGAIN || code == EWOULDBLOCK ? .wouldBlock : .failed(code)
        }
    }

    /// Half-closes the sending side (lingering close before the final close).
    public static func shutdownWrite(_ fd: Int32) {
        Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes a descriptor.
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Sends a reset instead of a FIN on close (used to abort a client whose response broke).
    public static func closeWithReset(_ fd: Int32) {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        _ = Glibc.close(fd)
    }
}
