/// `server.trusted_proxies`: the peers allowed to speak for their clients (SPEC §4). A request from one
/// of them keeps its `X-Forwarded-For` (sluice appends the peer) and its `Forwarded`, `X-Forwarded-Host`
/// and `X-Real-IP`; from any other peer those are dropped. Built once when the configuration is read;
/// a lookup compares masked 128-bit words, nothing is parsed per request.
public struct TrustedProxies: Sendable, Equatable {
    /// The ranges, in configuration order.
    public let ranges: [AddressRange]

    /// The proxies in `ranges`; none by default, so no client speaks for another.
    public init(_ ranges: [AddressRange] = []) {
        self.ranges = ranges
    }

    /// Whether no peer is trusted.
    public var isEmpty: Bool { ranges.isEmpty }

    /// Whether `address` is in one of the ranges.
    public func contains(_ address: IPAddress) -> Bool {
        for range in ranges where range.contains(address) { return true }
        return false
    }
}
