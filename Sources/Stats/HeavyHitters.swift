/// The identities seen most often in a stream, counted in bounded memory: the space-saving sketch of Metwally,
/// Agrawal and El Abbadi ("Efficient computation of frequent and top-k elements in data streams", 2005).
///
/// At most `capacity` identities are kept. An identity already kept has its count raised; a new one takes a free
/// place, or replaces the identity with the smallest count and inherits that count plus one (`error` records what
/// it inherited). So counts are exact while at most `capacity` distinct identities have been seen; past that, a
/// kept identity's count over-estimates its true count by at most its `error`, which is at most
/// (recorded values) / `capacity`, and every identity seen more often than that is kept.
///
/// sluice keeps one per worker for rate-limit refusals (`/stats` `rate_limit.top_limited`) and merges them when read.
public struct HeavyHitters: Sendable {
    /// One kept identity.
    public struct Entry: Sendable, Equatable {
        /// What was counted: a consumer id, a 12-hex key hash or a client address — never a raw API key.
        public var identity: String
        /// How often it was recorded (an over-estimate by at most `error`).
        public var count: UInt64
        /// The count it inherited from the identity it replaced (0 while the sketch never overflowed).
        public var error: UInt64

        /// An entry with the given figures.
        public init(identity: String, count: UInt64, error: UInt64 = 0) {
            self.identity = identity
            self.count = count
            self.error = error
        }
    }

    /// How many identities are kept at most.
    public let capacity: Int
    private var entries: [Entry] = []
    private var positions: [String: Int] = [:]

    /// An empty sketch keeping at most `capacity` (at least 1) identities.
    public init(capacity: Int = 64) {
        self.capacity = max(1, capacity)
    }

    /// Counts one occurrence of `identity`: a dictionary look-up, plus a scan of the kept counts when a new
    /// identity replaces the smallest.
    public mutating func record(_ identity: String) {
        if let position = positions[identity] {
            entries[position].count &+= 1
            return
        }
        if entries.count < capacity {
            positions[identity] = entries.count
            entries.append(Entry(identity: identity, count: 1))
            return
        }
        var smallest = 0
        for position in entries.indices where entries[position].count < entries[smallest].count { smallest = position }
        let inherited = entries[smallest].count
        positions[entries[smallest].identity] = nil
        positions[identity] = smallest
        entries[smallest] = Entry(identity: identity, count: inherited &+ 1, error: inherited)
    }

    /// Adds `other`'s counts to these (counts and errors of an identity kept by both are summed); when more than
    /// `capacity` identities result, the largest counts are kept.
    public mutating func merge(_ other: HeavyHitters) {
        for entry in other.entries {
            if let position = positions[entry.identity] {
                entries[position].count &+= entry.count
                entries[position].error &+= entry.error
            } else {
                positions[entry.identity] = entries.count
                entries.append(entry)
            }
        }
        guard entries.count > capacity else { return }
        entries = Array(Self.ranked(entries).prefix(capacity))
        positions = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($0.element.identity, $0.offset) })
    }

    /// The `limit` identities with the largest counts, largest first (equal counts by identity).
    public func top(_ limit: Int) -> [Entry] {
        Array(Self.ranked(entries).prefix(max(0, limit)))
    }

    /// How many identities are kept now.
    public var count: Int { entries.count }

    private static func ranked(_ entries: [Entry]) -> [Entry] {
        entries.sorted { $0.count != $1.count ? $0.count > $1.count : $0.identity < $1.identity }
    }
}
