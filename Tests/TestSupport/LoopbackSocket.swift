import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP socket bound to 127.0.0.1 on a port the kernel chose: for test upstreams and for ports a test needs
/// to know before anything listens on them.
public enum LoopbackSocket {
    /// A socket call failed.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Binds a new socket to 127.0.0.1:0 and, when `backlog` is given, listens. Returns it and its port.
    public static func bind(listenBacklog backlog: Int32? = nil) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                Glibc.bind(fd, pointer, length) == 0
                    && (backlog.map { listen(fd, $0) == 0 } ?? true)
                    && getsockname(fd, pointer, &length) == 0
            }
        }
        guard ready else {
            let code = errno
            Glibc.close(fd)
            throw Failure(description: "bind/listen on 127.0.0.1: errno \(code)")
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// A loopback port nothing listens on right now (bound to port 0, read back, released), for a server a test
    /// starts on a port it must know beforehand (or restart on the same port).
    public static func unusedPort() throws -> UInt16 {
        let (fd, port) = try bind()
        Glibc.close(fd)
        return port
    }

    /// Connects to 127.0.0.1:`port`; reads time out after `timeout` seconds. Returns the socket.
    public static func connect(port: UInt16, timeout: TimeInterval) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw Failure(description: "connect 127.0.0.1:\(port): errno \(code)")
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Accepts connections on `listener` on a thread of its own until the listener is closed.
    public static func acceptLoop(_ listener: Int32, _ onConnection: @escaping @Sendable (Int32) -> Void) {
        Thread {
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { if errno == EINTR { continue } else { return } }
                onConnection(connection)
            }
        }.start()
    }
}
