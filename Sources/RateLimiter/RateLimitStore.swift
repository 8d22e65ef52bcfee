/// Where the buckets live. The store computes the decision itself (`TokenBuckets.take` under its own
/// lock; a Redis store runs the same algorithm in a Lua script with Redis's clock), so that a take
/// is atomic across every limit of an identity and across every thread or process sharing the store.
///
/// The methods answer at once, as an in-process store can. A networked store cannot block an event
/// loop: the proxy sends the script itself, turns its reply (`[admitted, now ms, deficit…]`) into a
/// `StoreReply` and that into `RateLimitDecision(_:)`, and falls back on a `MemoryStore` when the
/// network fails. Every quantity is an integer below 2^53 (see `LimitRule.maximumRequestMilliseconds`),
/// so the arithmetic is exact in Lua's doubles too.
public protocol RateLimitStore: AnyObject, Sendable {
    /// Makes `plan` the limits of every later take. Buckets of limits that keep their name are kept
    /// (token counts clamped to a lowered capacity), buckets of removed limits are dropped, new
    /// limits start full.
    func install(_ plan: LimitPlan)

    /// Refills the identity's buckets to `nowNanoseconds` and takes one token from each of them, or
    /// from none when one of them is empty. `identity` is the raw key (API key or client address).
    func take(identity: UnsafeRawBufferPointer, nowNanoseconds: Int64) -> StoreReply

    /// The identity's buckets refilled to `nowNanoseconds`, taking nothing (`admitted`: a take would pass).
    func peek(identity: UnsafeRawBufferPointer, nowNanoseconds: Int64) -> StoreReply

    /// Sets the identity's buckets from `state` (another store's `peek`), by limit name: limits of this
    /// store's plan named as one of `state.plan` take its tokens (clamped), the others start full.
    func adopt(identity: UnsafeRawBufferPointer, state: StoreReply)

    /// Number of identities that currently hold state.
    var trackedKeys: Int { get }

    /// Bounds the identities held to `maximum`; past it the least recently used are forgotten.
    func setMaxTrackedKeys(_ maximum: Int, nowNanoseconds: Int64)

    /// Identities forgotten because of that bound, since the store was made.
    var evictedKeys: Int { get }

    /// Drops the state of every identity whose buckets have all refilled by `nowNanoseconds`.
    func sweep(nowNanoseconds: Int64)
}

/// What a store answers for one decision: the plan it computed with, whether the request was
/// admitted, and every bucket's deficit afterwards, at `nowMilliseconds` (the store's clock).
public struct StoreReply: Sendable {
    /// The limits in force when the store decided (the newest one the store had installed).
    public var plan: LimitPlan
    /// Whether one token was taken from every bucket.
    public var admitted: Bool
    /// Deficits after the decision, one per limit of `plan`.
    public var deficits: PerBucket
    /// The time of the decision, Unix milliseconds.
    public var nowMilliseconds: Int64

    /// Creates a reply.
    public init(plan: LimitPlan, admitted: Bool, deficits: PerBucket, nowMilliseconds: Int64) {
        self.plan = plan
        self.admitted = admitted
        self.deficits = deficits
        self.nowMilliseconds = nowMilliseconds
    }
}
