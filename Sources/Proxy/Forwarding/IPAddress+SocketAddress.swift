import Config
import Engine

extension IPAddress {
    /// The IP address of a socket address (an IPv4 one IPv4-mapped), without text in between.
    init(_ address: SocketAddress) {
        self = address.withIPAddressBytes { IPAddress(networkOrder: $0) }
    }
}
