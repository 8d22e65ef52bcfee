internal import CLibevent
import Glibc

/// A resolved IPv4 or IPv6 socket address.
public struct SocketAddress: Sendable, CustomStringConvertible {
    /// The raw address; `length` bytes of it are meaningful.
    var storage: sockaddr_storage
    var length: socklen_t

    /// Resolves a numeric host or a name (`localhost`) with `getaddrinfo`, once, at start-up.
    public init(host: String, port: UInt16) throws(SocketError) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        hints.ai_flags = AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw SocketError("cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        self.storage = storage
        self.length = first.pointee.ai_addrlen
    }

    /// The address of a peer or local socket as the kernel gave it.
    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    public var family: Int32 { Int32(storage.ss_family) }

    /// The port number.
    public var port: UInt16 {
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                return UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
            }
            return UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
        }
    }

    /// The numeric host, without brackets or port (`127.0.0.1`, `::1`).
    public var host: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                var address = raw.load(as: sockaddr_in6.self).sin6_addr
                inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
            } else {
                var address = raw.load(as: sockaddr_in.self).sin_addr
                inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count))
            }
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Calls `body` with the IP address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public func withIPAddressBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                var address = raw.load(as: sockaddr_in6.self).sin6_addr
                return withUnsafeBytes(of: &address, body)
            }
            var address = raw.load(as: sockaddr_in.self).sin_addr
            return withUnsafeBytes(of: &address, body)
        }
    }

    /// `host:port`, IPv6 in brackets.
    public var description: String {
        family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// A failed socket call, with the call and `strerror`.
public struct SocketError: Error, CustomStringConvertible {
    public let description: String
    /// The `errno` of the failed call, 0 when there was none.
    public let code: Int32
    public init(_ description: String, code: Int32 = 0) {
        self.description = description
        self.code = code
    }
    static func errno(_ call: String, _ code: Int32 = Glibc.errno) -> SocketError {
        SocketError("\(call): \(String(cString: strerror(code)))", code: code)
    }

    /// The failure is this process's or this host's (out of descriptors or memory), not the peer's.
    public var isLocalResourceShortage: Bool {
        code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM
    }
}
