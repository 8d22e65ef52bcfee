/// A store reached over the network from one event loop (the Redis store, one client per worker loop). It
/// cannot answer at once: ``RateLimiter/decide(identity:remote:localFallback:waiter:ticket:)`` hands it the
/// limiter's plan and relays its answer.
public protocol RemoteRateLimitStore: AnyObject {
    /// Takes one token from each of `identity`'s buckets under `plan`. `completion` runs exactly once, on the
    /// store's loop and never before this returns: with the decision, or nil when the store did not answer in
    /// time or failed.
    func take(identity: String, plan: LimitPlan, completion: @escaping (RateLimitDecision?) -> Void)
}

/// Hears a decision that a ``RateLimiter`` could not give at once.
public protocol RateLimitWaiter: AnyObject {
    /// The decision for the request `ticket` names, or nil when the remote store failed and no local fallback
    /// was allowed (`on_failure: deny`).
    func rateLimitDecided(_ decision: RateLimitDecision?, ticket: UInt64)
}

/// What a rate-limit decision is, as soon as it is asked for.
public enum LimitAnswer: Sendable {
    /// Decided at once (the memory store).
    case decided(RateLimitDecision)
    /// A remote store decides; the waiter hears it later.
    case pending
}

extension RateLimiter {
    /// The one limiting path, over one asynchronous interface: the memory store answers at once; with a
    /// `remote` store (Redis) the decision comes later, through `waiter`, computed with this limiter's plan.
    /// When the remote store fails, the local buckets decide if `localFallback` (`on_failure: allow`); else
    /// the waiter hears nil. Inlinable: the memory path's decision is not copied through the answer.
    @inlinable
    public func decide(
        identity: Substring, remote: (any RemoteRateLimitStore)?, localFallback: Bool, waiter: any RateLimitWaiter,
        ticket: UInt64
    ) -> LimitAnswer {
        guard let remote else { return .decided(decide(identity: identity)) }
        let key = String(identity)
        remote.take(identity: key, plan: plan) { [weak waiter] decision in
            guard let waiter else { return }
            waiter.rateLimitDecided(decision ?? (localFallback ? self.decide(identity: key) : nil), ticket: ticket)
        }
        return .pending
    }
}
