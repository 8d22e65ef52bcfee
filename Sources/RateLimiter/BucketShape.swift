import Essentials

/// One limit in the integer units of the token-bucket arithmetic.
///
/// Time is counted in whole milliseconds. A bucket's level is kept as its *deficit*: how far it is
/// from full, in units where one token is `tokenUnits` (= the window in milliseconds) and the
/// bucket refills `refillPerMillisecond` (= `requests`) units every millisecond. So capacity is
/// `requests × window` units and every quantity is an exact integer: no rounding drifts, ever.
public struct BucketShape: Sendable, Equatable {
    /// Units refilled per millisecond (the rule's `requests`).
    public let refillPerMillisecond: Int64
    /// Units one token is worth (the rule's window in milliseconds).
    public let tokenUnits: Int64
    /// Units of a full bucket (`requests × window`).
    public let capacityUnits: Int64

    /// The shape of `rule`, clamped into what the arithmetic represents (see `LimitPlan.problems(with:)`).
    public init(_ rule: LimitRule) {
        let requests = Int64(max(1, min(rule.requests, 1 << 40)))
        let window = max(1, min(rule.per.wholeMilliseconds, LimitRule.maximumRequestMilliseconds / requests))
        refillPerMillisecond = requests
        tokenUnits = window
        capacityUnits = requests * window
    }

    /// The deficit `deficit` shrinks to after `elapsed` milliseconds (never below zero, never overflowing).
    @inline(__always)
    public func refilled(_ deficit: Int64, after elapsed: Int64) -> Int64 {
        if deficit <= 0 { return 0 }
        let (refill, overflow) = elapsed.multipliedReportingOverflow(by: refillPerMillisecond)
        return overflow || refill >= deficit ? 0 : deficit - refill
    }

    /// Whether a bucket with this deficit holds at least one whole token.
    @inline(__always)
    public func holdsToken(deficit: Int64) -> Bool {
        deficit <= capacityUnits - tokenUnits
    }

    /// Whole tokens in a bucket with this deficit.
    @inline(__always)
    public func wholeTokens(deficit: Int64) -> Int64 {
        (capacityUnits - deficit) / tokenUnits
    }

    /// Milliseconds until a bucket with this deficit is full again (rounded up).
    @inline(__always)
    public func millisecondsUntilFull(deficit: Int64) -> Int64 {
        deficit <= 0 ? 0 : (deficit + refillPerMillisecond - 1) / refillPerMillisecond
    }

    /// Milliseconds until a bucket with this deficit, holding `wholeTokens`, next gains a whole
    /// token (0 when full), rounded up.
    @inline(__always)
    public func millisecondsUntilNextToken(deficit: Int64, wholeTokens: Int64) -> Int64 {
        if deficit <= 0 { return 0 }
        let partial = capacityUnits - deficit - wholeTokens * tokenUnits
        let missing = tokenUnits - partial
        return (missing + refillPerMillisecond - 1) / refillPerMillisecond
    }

    /// Milliseconds until a bucket with this deficit holds one whole token (0 if it already does).
    @inline(__always)
    public func millisecondsUntilToken(deficit: Int64) -> Int64 {
        let excess = deficit - (capacityUnits - tokenUnits)
        return excess <= 0 ? 0 : (excess + refillPerMillisecond - 1) / refillPerMillisecond
    }

    /// The deficit under this shape of a bucket that had `deficit` under `old`: the same number of
    /// tokens (rounded down), clamped to this capacity. Used when a reload changes a limit.
    public func migrated(deficit: Int64, from old: BucketShape) -> Int64 {
        if old == self { return deficit }
        let held = Int128(old.capacityUnits - max(0, deficit))
        let converted = held * Int128(tokenUnits) / Int128(old.tokenUnits)
        let clamped = Int64(min(converted, Int128(capacityUnits)))
        return capacityUnits - clamped
    }
}
