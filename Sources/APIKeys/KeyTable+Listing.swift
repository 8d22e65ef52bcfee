/// One key of a consumer as `GET /keys/<id>` shows it: never the key, only the start of its SHA-256.
public struct KeyListing: Sendable, Equatable {
    /// The first `KeyListing.prefixCount` hex digits of the key's SHA-256 (enough to tell a consumer's keys apart).
    public var sha256Prefix: String
    /// Marked `revoked` in the file.
    public var revoked: Bool
    /// Unix seconds from which the key is refused; nil when it never expires.
    public var expires: Int64?

    /// Hex digits shown of each digest.
    public static let prefixCount = 12

    /// A listing.
    public init(sha256Prefix: String, revoked: Bool, expires: Int64?) {
        self.sha256Prefix = sha256Prefix
        self.revoked = revoked
        self.expires = expires
    }
}

extension KeyTable {
    /// The keys of `consumer`, ordered by digest. Scans the whole table (for the admin endpoint, not a request).
    public func keys(of consumer: ConsumerRef) -> [KeyListing] {
        slots.filter { !$0.isEmpty && $0.consumer == consumer.index }
            .map { entry in
                KeyListing(sha256Prefix: String(entry.digest.hex.prefix(KeyListing.prefixCount)), revoked: entry.isRevoked,
                           expires: entry.expires == Int64.max ? nil : entry.expires)
            }
            .sorted { $0.sha256Prefix < $1.sha256Prefix }
    }

    /// Every consumer of the table, in the order the file first names them.
    public var allConsumers: [ConsumerRef] {
        (0..<consumers.count).map { ConsumerRef(index: UInt32($0)) }
    }
}
