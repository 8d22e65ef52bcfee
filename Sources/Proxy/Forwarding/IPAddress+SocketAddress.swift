import Config
import Engine
import Glibc

extension IPAddress {
    /// The address of a socket address (an IPv4 one IPv4-mapped), without text in between.
    init(_ address: SocketAddress) {
        self = withUnsafeBytes(of: address.storage) { raw in
            if address.family == AF_INET6 {
                var v6 = raw.load(as: sockaddr_in6.self).sin6_addr
                return withUnsafeBytes(of: &v6) { IPAddress(ipv6: $0) }
            }
            return IPAddress(ipv4: UInt32(bigEndian: raw.load(as: sockaddr_in.self).sin_addr.s_addr))
        }
    }
}
