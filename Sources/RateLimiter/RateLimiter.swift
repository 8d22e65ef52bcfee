import Synchronization

/// Per-identity token-bucket rate limiting over a store and a clock. Thread-safe; one instance serves
/// every worker thread.
public final class RateLimiter: Sendable {
    private let store: any RateLimitStore
    private let clock: any LimiterClock
    private let currentPlan: Mutex<LimitPlan>

    /// A limiter enforcing `limits` (the first is the standard one) in `store`, timed by `clock`.
    public init(limits: [LimitRule], store: some RateLimitStore, clock: some LimiterClock) {
        let plan = LimitPlan(rules: limits)
        self.store = store
        self.clock = clock
        currentPlan = Mutex(plan)
        store.install(plan)
    }

    /// A limiter with a fresh `MemoryStore` tracking at most `maxTrackedKeys` identities, and the system clock.
    public convenience init(limits: [LimitRule], maxTrackedKeys: Int = MemoryStore.defaultMaxTrackedKeys) {
        self.init(limits: limits, store: MemoryStore(maxTrackedKeys: maxTrackedKeys), clock: SystemClock())
    }

    /// The limits in force.
    public var limits: [LimitRule] {
        currentPlan.withLock { $0.rules }
    }

    /// The limits in force, compiled (the plan a remote store computes with too).
    public var plan: LimitPlan {
        currentPlan.withLock { $0 }
    }

    /// Takes one token from each of the identity's buckets, or none when one is empty.
    public func decide(identity: String) -> RateLimitDecision {
        decide(text: identity)
    }

    /// `decide(identity:)` for a slice of a larger string (e.g. of the `Authorization` header).
    public func decide(identity: Substring) -> RateLimitDecision {
        decide(text: identity)
    }

    /// Reads the text's UTF-8 in place (no copy, no reference counting) when it is contiguous.
    @inline(__always)
    private func decide(text: some StringProtocol) -> RateLimitDecision {
        let now = clock.nowNanoseconds()
        let reply = text.utf8.withContiguousStorageIfAvailable {
            store.take(identity: UnsafeRawBufferPointer($0), nowNanoseconds: now)
        }
        return RateLimitDecision(reply ?? withUTF8Bytes(text) { store.take(identity: $0, nowNanoseconds: now) })
    }

    /// The identity's buckets now, taking no token: what a take would decide, and what is left.
    public func peek(identity: some StringProtocol) -> RateLimitDecision {
        let now = clock.nowNanoseconds()
        return RateLimitDecision(withUTF8Bytes(identity) { store.peek(identity: $0, nowNanoseconds: now) })
    }

    /// Each of the identity's buckets now, taking no token (what `GET /keys/<id>` shows).
    public func levels(of identity: some StringProtocol) -> [BucketLevel] {
        let now = clock.nowNanoseconds()
        return BucketLevel.levels(of: withUTF8Bytes(identity) { store.peek(identity: $0, nowNanoseconds: now) })
    }

    /// Moves `identity`'s buckets from `other` (a limiter of another plan) into this one, by limit name
    /// (clamped to this plan's capacities); limits without a namesake start full.
    public func adopt(identity: some StringProtocol, from other: RateLimiter) {
        let now = other.clock.nowNanoseconds()
        withUTF8Bytes(identity) { bytes in
            store.adopt(identity: bytes, state: other.store.peek(identity: bytes, nowNanoseconds: now))
        }
    }

    /// New limits from a reload: limits that keep their name keep their buckets (token counts
    /// clamped to a lowered capacity), removed limits lose theirs, new limits start full. A new
    /// `maxTrackedKeys` (nil: unchanged) applies at once.
    public func reconfigure(limits: [LimitRule], maxTrackedKeys: Int? = nil) {
        let plan = LimitPlan(rules: limits)
        currentPlan.withLock { current in
            current = plan
            store.install(plan)
        }
        if let maxTrackedKeys { store.setMaxTrackedKeys(maxTrackedKeys, nowNanoseconds: clock.nowNanoseconds()) }
    }

    /// Identities currently holding state.
    public var trackedKeys: Int {
        store.trackedKeys
    }

    /// Identities forgotten to keep the store within its bound (`rate_limit.evicted`).
    public var evictedKeys: Int {
        store.evictedKeys
    }

    /// Drops the state of identities whose buckets have all refilled. Call it periodically (e.g. every
    /// 10 seconds); the store also drops such state by itself when a shard needs room.
    public func sweep() {
        store.sweep(nowNanoseconds: clock.nowNanoseconds())
    }
}
