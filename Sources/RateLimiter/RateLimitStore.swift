/// Where the buckets live. The store computes the decision itself (`TokenBuckets.take` under its own
/// lock; a Redis store runs the same algorithm in a Lua script with Redis's clock), so that a take
/// is atomic across every limit of an identity and across every thread or process sharing the store.
public protocol RateLimitStore: AnyObject, Sendable {
    /// Makes `plan` the limits of every later take. Buckets of limits that keep their name are kept
    /// (token counts clamped to a lowered capacity), buckets of removed limits are dropped, new
    /// limits start full.
    func install(_ plan: LimitPlan)

    /// Refills the identity's buckets to `nowNanoseconds` and takes one token from each of them, or
    /// from none when one of them is empty. `identity` is the raw key (API key or client address).
    func take(identity: UnsafeRawBufferPointer, nowNanoseconds: Int64) -> StoreReply

    /// Number of identities that currently hold state.
    var trackedKeys: Int { get }

    /// Drops the state of every identity whose buckets have all refilled by `nowNanoseconds`.
    func sweep(nowNanoseconds: Int64)
}
