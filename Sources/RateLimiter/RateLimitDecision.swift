/// The outcome of one request against an identity's buckets, with everything the response needs.
public struct RateLimitDecision: Sendable {
    /// The limits the decision was computed with.
    public let plan: LimitPlan
    /// Whether the request may proceed (one token was taken from every bucket).
    public let admitted: Bool
    /// Each bucket's deficit after the decision (see `BucketShape`).
    public let levels: BucketLevels
    /// The decision's time, Unix microseconds.
    public let nowMicroseconds: Int64
    /// Unix time in whole seconds, rounded up, at which the standard (first) bucket is full again.
    public let resetUnixSeconds: Int64
    /// When refused: whole seconds (rounded up, at least 1) until every bucket holds a token.
    public let retryAfterSeconds: Int?
    /// When refused: the index of the bucket whose refill takes longest.
    public let refusingLimit: Int?
    /// The limit closest to exhaustion (fewest whole tokens; on a tie, the later next token), named
    /// by the `RateLimit` header; nil without limits.
    public let closestLimit: Int?
    /// Seconds (rounded up) until `closestLimit` next gains a whole token: the `RateLimit` `t`.
    public let closestNextTokenSeconds: Int64

    /// The decision a store's reply amounts to.
    public init(_ reply: StoreReply) {
        let plan = reply.plan
        let levels = reply.levels
        self.plan = plan
        admitted = reply.admitted
        self.levels = levels
        nowMicroseconds = reply.nowMicroseconds
        var reset = reply.nowMicroseconds
        var closest: Int?
        var closestTokens = Int64.max
        var closestWait: Int64 = 0
        var refusing: Int?
        var longestWait: Int64 = -1
        plan.shapes.withUnsafeBufferPointer { shapes in
            for index in 0..<min(shapes.count, levels.count) {
                let shape = shapes[index]
                let deficit = levels[index]
                if index == 0 { reset += shape.microsecondsUntilFull(deficit: deficit) }
                let tokens = shape.wholeTokens(deficit: deficit)
                let wait = shape.microsecondsUntilNextToken(deficit: deficit)
                if tokens < closestTokens || (tokens == closestTokens && wait > closestWait) {
                    closest = index
                    closestTokens = tokens
                    closestWait = wait
                }
                if !reply.admitted {
                    let untilToken = shape.microsecondsUntilToken(deficit: deficit)
                    if untilToken > longestWait && !shape.holdsToken(deficit: deficit) {
                        refusing = index
                        longestWait = untilToken
                    }
                }
            }
        }
        resetUnixSeconds = RateLimitDecision.secondsRoundedUp(reset)
        closestLimit = closest
        closestNextTokenSeconds = RateLimitDecision.secondsRoundedUp(closestWait)
        refusingLimit = refusing
        retryAfterSeconds = reply.admitted ? nil : Int(max(1, RateLimitDecision.secondsRoundedUp(max(0, longestWait))))
    }

    /// Whole tokens left in bucket `limit` after this request.
    public func remaining(limit: Int) -> Int {
        Int(plan.shapes[limit].wholeTokens(deficit: levels[limit]))
    }

    /// Whole tokens left per limit after this request.
    public var remaining: [Int] {
        (0..<levels.count).map { remaining(limit: $0) }
    }

    /// What the 429 envelope says, when the request was refused.
    public var refusal: Refusal? {
        guard let refusingLimit, let retryAfterSeconds else { return nil }
        return Refusal(
            retryAfter: retryAfterSeconds, limit: plan.rules[refusingLimit].requests,
            window: plan.windowWords[refusingLimit])
    }

    static func secondsRoundedUp(_ micros: Int64) -> Int64 {
        micros >= 0 ? (micros + 999_999) / 1_000_000 : micros / 1_000_000
    }
}

/// The content of a 429 response's envelope (`RATE_LIMIT_EXCEEDED`).
public struct Refusal: Sendable, Equatable {
    /// Whole seconds until every bucket holds a token (the `Retry-After` value).
    public var retryAfter: Int
    /// The refusing limit's `requests`.
    public var limit: Int
    /// The refusing limit's window in words (`1 minute`).
    public var window: String

    /// Creates a refusal.
    public init(retryAfter: Int, limit: Int, window: String) {
        self.retryAfter = retryAfter
        self.limit = limit
        self.window = window
    }

    /// `Rate limit exceeded. Try again in 6 seconds`
    public var message: String {
        "Rate limit exceeded. Try again in \(WindowWords.count(Int64(retryAfter), "second"))"
    }
}
