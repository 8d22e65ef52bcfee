import RateLimiter

/// 2026-11-21T10:30:00Z, where every manual clock of these tests starts.
let startSeconds: Int64 = 1_795_257_000

/// The seed document's defaults: 100 per hour (standard) and 10 per minute (burst).
let defaultLimits = [
    LimitRule(name: "hour", requests: 100, per: .seconds(3600)),
    LimitRule(name: "minute", requests: 10, per: .seconds(60)),
]

/// A limiter over a fresh memory store and a manual clock at `startSeconds`.
func makeLimiter(_ limits: [LimitRule] = defaultLimits) -> (RateLimiter, ManualClock) {
    let clock = ManualClock(nanoseconds: startSeconds * 1_000_000_000)
    return (RateLimiter(limits: limits, store: MemoryStore(), clock: clock), clock)
}

extension RateLimiter {
    /// `count` decisions for `identity`, returning how many were admitted.
    func admittedCount(_ identity: String, attempts count: Int) -> Int {
        (0..<count).filter { _ in decide(identity: identity).admitted }.count
    }
}
