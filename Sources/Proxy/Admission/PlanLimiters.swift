import RateLimiter

/// The rate limiters of one configuration: `rate_limit.limits` and one per entry of `rate_limit.plans`
/// (SPEC §10), each with its own buckets. ``ProxyServer`` keeps them across reloads by plan name.
struct PlanLimiters: Sendable {
    /// `rate_limit.limits`: every identity without a plan.
    let standard: RateLimiter
    /// By plan name.
    let plans: [String: RateLimiter]

    /// The limiter of `plan` (`rate_limit.limits` for nil, or a plan no longer configured).
    func limiter(forPlan plan: String?) -> RateLimiter {
        guard let plan, let limiter = plans[plan] else { return standard }
        return limiter
    }

    /// Every limiter, the standard one first.
    var all: [RateLimiter] {
        [standard] + plans.keys.sorted().map { plans[$0]! }
    }
}
