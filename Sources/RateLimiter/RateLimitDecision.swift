/// The outcome of one request against an identity's buckets, with everything the response needs.
public struct RateLimitDecision: Sendable {
    /// The limits the decision was computed with.
    public let plan: LimitPlan
    /// Whether the request may proceed (one token was taken from every bucket).
    public let admitted: Bool
    /// Whole tokens left in each bucket after the decision.
    public let remainingTokens: PerBucket
    /// The decision's time, Unix milliseconds.
    public let nowMilliseconds: Int64
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
        let deficits = reply.deficits
        let now = reply.nowMilliseconds
        self.plan = plan
        admitted = reply.admitted
        nowMilliseconds = now
        var tokens = PerBucket(zeros: deficits.count)
        var closest: Int?
        var closestWait: Int64 = 0
        var reset = now
        var refusing: Int?
        var longestWait: Int64 = 0
        plan.shapes.withUnsafeBufferPointer { shapes in
            let count = min(shapes.count, deficits.count)
            guard count > 0 else { return }
            // Fewest whole tokens first; only the limits tied on that count need their next token.
            var fewest = Int64.max
            var tied = 0
            for index in 0..<count {
                let whole = shapes[index].wholeTokens(deficit: deficits[index])
                tokens[index] = whole
                if whole < fewest {
                    fewest = whole
                    closest = index
                    tied = 1
                } else if whole == fewest {
                    tied += 1
                }
            }
            if tied == 1, let only = closest {
                closestWait = shapes[only].millisecondsUntilNextToken(deficit: deficits[only], wholeTokens: fewest)
            } else {
                closest = nil
                for index in 0..<count where tokens[index] == fewest {
                    let wait = shapes[index].millisecondsUntilNextToken(deficit: deficits[index], wholeTokens: fewest)
                    if closest == nil || wait > closestWait {
                        closest = index
                        closestWait = wait
                    }
                }
            }
            reset += shapes[0].millisecondsUntilFull(deficit: deficits[0])
            if !reply.admitted {
                for index in 0..<count where !shapes[index].holdsToken(deficit: deficits[index]) {
                    let wait = shapes[index].millisecondsUntilToken(deficit: deficits[index])
                    if refusing == nil || wait > longestWait {
                        refusing = index
                        longestWait = wait
                    }
                }
            }
        }
        remainingTokens = tokens
        resetUnixSeconds = RateLimitDecision.secondsRoundedUp(reset)
        closestLimit = closest
        closestNextTokenSeconds = RateLimitDecision.secondsRoundedUp(closestWait)
        refusingLimit = refusing
        retryAfterSeconds = reply.admitted ? nil : Int(max(1, RateLimitDecision.secondsRoundedUp(longestWait)))
    }

    /// Whole tokens left in bucket `limit` after this request.
    public func remaining(limit: Int) -> Int {
        Int(remainingTokens[limit])
    }

    /// Whole tokens left per limit after this request.
    public var remaining: [Int] {
        (0..<remainingTokens.count).map { remaining(limit: $0) }
    }

    /// What the 429 envelope says, when the request was refused.
    public var refusal: Refusal? {
        guard let refusingLimit, let retryAfterSeconds else { return nil }
        return Refusal(
            retryAfter: retryAfterSeconds, limit: plan.rules[refusingLimit].requests,
            window: plan.windowWords[refusingLimit])
    }

    @inline(__always)
    static func secondsRoundedUp(_ millis: Int64) -> Int64 {
        millis >= 0 ? (millis + 999) / 1_000 : millis / 1_000
    }
}
