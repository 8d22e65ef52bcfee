/// A range of addresses written in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`), or one address
/// (`127.0.0.1`, `::1`: a /32 or /128).
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the range (its bits beyond the prefix are zero).
    public let network: IPAddress
    /// The prefix length in the family the range is written in: 0–32 for IPv4, 0–128 for IPv6
    /// (`::ffff:10.0.0.0/104` is the IPv6 spelling of `10.0.0.0/8`).
    public let prefixLength: Int
    private let isIPv4Notation: Bool
    private let maskHigh: UInt64
    private let maskLow: UInt64

    /// The range of the `prefixLength` leading bits of `network`, in IPv4 terms when `network` is an
    /// IPv4 address; bits beyond the prefix are ignored.
    public init(network: IPAddress, prefixLength: Int) {
        self.init(network: network, prefixLength: prefixLength, ipv4Notation: network.isIPv4)
    }

    private init(network: IPAddress, prefixLength: Int, ipv4Notation: Bool) {
        let bits = ipv4Notation ? 96 + min(max(prefixLength, 0), 32) : min(max(prefixLength, 0), 128)
        maskHigh = bits >= 64 ? .max : (bits == 0 ? 0 : .max << (64 - bits))
        maskLow = bits <= 64 ? 0 : (bits == 128 ? .max : .max << (128 - bits))
        self.network = IPAddress(high: network.high & maskHigh, low: network.low & maskLow)
        self.prefixLength = prefixLength
        self.isIPv4Notation = ipv4Notation
    }

    /// Parses `address` or `address/prefix`; nil when the text is not such a range (or has bits set
    /// beyond its prefix).
    public init?(parsing text: String) {
        guard case .success(let range) = AddressRange.parse(text) else { return nil }
        self = range
    }

    /// Whether `address` lies in the range. An IPv4 range holds only IPv4 addresses; an IPv6 range
    /// covering `::ffff:0:0/96` holds IPv4 addresses too.
    @inline(__always)
    public func contains(_ address: IPAddress) -> Bool {
        address.high & maskHigh == network.high && address.low & maskLow == network.low
    }

    /// `10.0.0.0/8`; a single address without its prefix (`127.0.0.1`, `::1`).
    public var description: String {
        let address = isIPv4Notation ? network.description : network.ipv6Description
        return prefixLength == (isIPv4Notation ? 32 : 128) ? address : "\(address)/\(prefixLength)"
    }

    /// Parses a range, explaining what is wrong when it is not one.
    static func parse(_ text: String) -> Result<AddressRange, Complaint> {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let addressText = String(parts[0])
        guard let address = IPAddress(parsing: addressText) else {
            if addressText.contains("%") {
                return .failure(Complaint("\"\(text)\" has a zone (%…), which a proxy's address cannot have here"))
            }
            return .failure(Complaint("\"\(addressText)\" is not an IPv4 or IPv6 address"))
        }
        let ipv4 = !addressText.contains(":")
        let maximum = ipv4 ? 32 : 128
        guard parts.count == 2 else {
            return .success(AddressRange(network: address, prefixLength: maximum, ipv4Notation: ipv4))
        }
        let prefixText = parts[1]
        guard !prefixText.isEmpty, prefixText.count <= 3, prefixText.allSatisfy(\.isASCIIDigit), let prefix = Int(prefixText) else {
            return .failure(Complaint("\"\(prefixText)\" after the / is not a prefix length"))
        }
        guard prefix <= maximum else {
            let family = ipv4 ? "IPv4" : "IPv6"
            return .failure(Complaint("the prefix length \(prefix) is beyond \(maximum), the length of an \(family) address"))
        }
        let range = AddressRange(network: address, prefixLength: prefix, ipv4Notation: ipv4)
        guard range.network == address else {
            return .failure(Complaint("\"\(text)\" has bits set beyond its /\(prefix) prefix (write \(range))"))
        }
        return .success(range)
    }
}
