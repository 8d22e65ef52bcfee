import Synchronization

/// The in-process store shared by every worker thread: 64 shards, each a `Mutex`-protected
/// `BucketTable`, chosen by a keyed 128-bit hash of the identity (SipHash-1-3 under a random
/// per-store key: two identities share state only as often as two random 128-bit numbers match).
/// A take is atomic across all limits of an identity, so an identity never gets more than its
/// tokens whichever threads its requests land on. Rows whose buckets have all refilled are dropped
/// when a shard needs room and by `sweep`, so idle identities cost no memory; and the store never
/// tracks more than `maxTrackedKeys` identities, whatever keys clients invent: each shard holds its
/// share and forgets its least recently used identity to take a new one (`BucketTable`).
///
/// `@unchecked Sendable`: the shards are reached through a pointer the store owns and never
/// reassigns, and every table is only touched under its shard's `Mutex`.
public final class MemoryStore: RateLimitStore, @unchecked Sendable {
    /// Number of shards (a power of two).
    public static let shardCount = 64
    /// `shardCount` shards, each on its own cache lines; reached without reference counting.
    private let shards: UnsafeMutablePointer<Shard>
    private let sip: SipHash

    /// What `maxTrackedKeys` may be: at least one identity per shard, at most 100 M (~7 GiB).
    public static let trackedKeysRange = shardCount...100_000_000
    /// The bound when none is given (SPEC §9).
    public static let defaultMaxTrackedKeys = 1_000_000

    /// An empty store tracking at most `maxTrackedKeys` identities (clamped into `trackedKeysRange`);
    /// `RateLimiter` installs its limits.
    public init(maxTrackedKeys: Int = MemoryStore.defaultMaxTrackedKeys) {
        sip = SipHash.random()
        let empty = LimitPlan(rules: [])
        shards = UnsafeMutablePointer<Shard>.allocate(capacity: MemoryStore.shardCount)
        for index in 0..<MemoryStore.shardCount {
            let bound = MemoryStore.shardShare(index, of: maxTrackedKeys)
            (shards + index).initialize(to: Shard(BucketTable(plan: empty, maxCount: bound)))
        }
    }

    /// Shard `index`'s share of `maxTrackedKeys`: the shares add up to it exactly.
    static func shardShare(_ index: Int, of maxTrackedKeys: Int) -> Int {
        let total = min(max(maxTrackedKeys, trackedKeysRange.lowerBound), trackedKeysRange.upperBound)
        return total / shardCount + (index < total % shardCount ? 1 : 0)
    }

    deinit {
        shards.deinitialize(count: MemoryStore.shardCount)
        shards.deallocate()
    }

    /// See `RateLimitStore.install`.
    public func install(_ plan: LimitPlan) {
        for index in 0..<MemoryStore.shardCount {
            shards[index].table.withLock { $0.install(plan) }
        }
    }

    /// See `RateLimitStore.take`.
    public func take(identity: UnsafeRawBufferPointer, nowNanoseconds: Int64) -> StoreReply {
        let (low, high) = sip.hash128(identity, compressionRounds: 1, finalRounds: 3)
        let now = nowNanoseconds / 1_000_000
        return shards[Int(truncatingIfNeeded: high >> 58)].table.withLock { table in
            table.take(low: low, high: high | 1, now: now)
        }
    }

    /// See `RateLimitStore.peek`.
    public func peek(identity: UnsafeRawBufferPointer, nowNanoseconds: Int64) -> StoreReply {
        let (low, high) = sip.hash128(identity, compressionRounds: 1, finalRounds: 3)
        return shards[Int(truncatingIfNeeded: high >> 58)].table.withLock { table in
            table.peek(low: low, high: high | 1, now: nowNanoseconds / 1_000_000)
        }
    }

    /// See `RateLimitStore.adopt`.
    public func adopt(identity: UnsafeRawBufferPointer, state: StoreReply) {
        let (low, high) = sip.hash128(identity, compressionRounds: 1, finalRounds: 3)
        shards[Int(truncatingIfNeeded: high >> 58)].table.withLock { table in
            table.adopt(low: low, high: high | 1, state: state)
        }
    }

    /// See `RateLimitStore.setMaxTrackedKeys`: shards over their new share forget their least
    /// recently used identities at once.
    public func setMaxTrackedKeys(_ maximum: Int, nowNanoseconds: Int64) {
        let now = nowNanoseconds / 1_000_000
        for index in 0..<MemoryStore.shardCount {
            shards[index].table.withLock { $0.setMaxCount(MemoryStore.shardShare(index, of: maximum), now: now) }
        }
    }

    /// Identities forgotten to stay within `maxTrackedKeys` while they held state (a row whose
    /// buckets had all refilled is not counted: it held nothing).
    public var evictedKeys: Int {
        (0..<MemoryStore.shardCount).reduce(0) { total, index in total + shards[index].table.withLock { $0.evicted } }
    }

    /// Identities holding state (rows not yet dropped).
    public var trackedKeys: Int {
        (0..<MemoryStore.shardCount).reduce(0) { total, index in total + shards[index].table.withLock { $0.count } }
    }

    /// Drops every row whose buckets have all refilled by `nowNanoseconds`.
    public func sweep(nowNanoseconds: Int64) {
        let now = nowNanoseconds / 1_000_000
        for index in 0..<MemoryStore.shardCount {
            shards[index].table.withLock { $0.sweep(now: now) }
        }
    }
}

/// One lock and its table, padded to 128 bytes so that two shards' locks never share a cache line.
private struct Shard: ~Copyable {
    let table: Mutex<BucketTable>
    private let padding: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    init(_ table: sending BucketTable) {
        self.table = Mutex(table)
    }
}
