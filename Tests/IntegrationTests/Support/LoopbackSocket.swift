import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP socket bound to 127.0.0.1 on a port the kernel chose: for test upstreams and for ports a test needs
/// to know before anything listens on them.
enum LoopbackSocket {
    /// Binds a new socket to 127.0.0.1:0 and, when `backlog` is given, listens. Returns it and its port.
    static func bind(listenBacklog backlog: Int32? = nil) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawHTTPClient.Failure.connect("socket: errno \(errno)") }
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
            throw RawHTTPClient.Failure.connect("bind/listen on 127.0.0.1: errno \(code)")
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// Accepts connections on `listener` on a thread of its own until the listener is closed.
    static func acceptLoop(_ listener: Int32, _ onConnection: @escaping @Sendable (Int32) -> Void) {
        Thread {
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { if errno == EINTR { continue } else { return } }
                onConnection(connection)
            }
        }.start()
    }
}
