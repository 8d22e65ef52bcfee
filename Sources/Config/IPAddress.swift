#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as 128 bits. An IPv4 address is held in its IPv4-mapped IPv6 form
/// (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2), which is also how a dual-stack socket reports an IPv4 peer,
/// so one comparison covers both families.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The first 64 bits, in network order read as a number.
    public var high: UInt64
    /// The last 64 bits.
    public var low: UInt64

    /// An address from its two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// An IPv4 address from its 32 bits (`0x7F00_0001` for 127.0.0.1).
    public init(ipv4: UInt32) {
        self.init(high: 0, low: 0xFFFF_0000_0000 | UInt64(ipv4))
    }

    /// An address from its bytes in network order: 4 for IPv4, 16 for IPv6.
    public init(networkOrder bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == 4 || bytes.count == 16, "an IP address has 4 or 16 bytes")
        if bytes.count == 4 {
            self.init(ipv4: UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3]))
            return
        }
        var high: UInt64 = 0, low: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { low = low << 8 | UInt64(bytes[i]) }
        self.init(high: high, low: low)
    }

    /// Parses a numeric address: `192.0.2.1` (four decimal octets) or an IPv6 address without
    /// brackets or zone (`2001:db8::1`, `::ffff:192.0.2.1`). Host names are not addresses.
    public init?(parsing text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(ipv4: UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        self = withUnsafeBytes(of: &v6) { IPAddress(networkOrder: $0) }
    }

    /// Whether this is an IPv4 address (held IPv4-mapped).
    public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// The address in its usual text form: `192.0.2.1`, `2001:db8::1`.
    public var description: String {
        guard isIPv4 else { return ipv6Description }
        let v4 = UInt32(truncatingIfNeeded: low)
        return "\(v4 >> 24).\(v4 >> 16 & 0xFF).\(v4 >> 8 & 0xFF).\(v4 & 0xFF)"
    }

    /// The address in IPv6 text form, also for an IPv4 one (`::ffff:192.0.2.1`).
    var ipv6Description: String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: high >> (56 - 8 * i))
            bytes[i + 8] = UInt8(truncatingIfNeeded: low >> (56 - 8 * i))
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(AF_INET6, bytes, &text, socklen_t(text.count))
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
