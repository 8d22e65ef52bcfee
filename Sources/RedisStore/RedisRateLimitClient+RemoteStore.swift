import RateLimiter

/// The Redis client is the rate limiter's remote store: `RateLimiter` hands it its plan and relays the answer.
extension RedisRateLimitClient: RemoteRateLimitStore {
    /// See `RemoteRateLimitStore.take`: ``decide(identity:plan:completion:)``.
    public func take(identity: String, plan: LimitPlan, completion: @escaping (RateLimitDecision?) -> Void) {
        decide(identity: identity, plan: plan, completion: completion)
    }
}
