/// One of an identity's buckets as an operator reads it (`GET /keys/<id>`): taken from nothing.
public struct BucketLevel: Sendable, Equatable {
    /// The limit's name.
    public var name: String
    /// Its capacity.
    public var requests: Int
    /// Its window in whole seconds (rounded up).
    public var perSeconds: Int64
    /// Whole tokens in the bucket now.
    public var remaining: Int64
    /// Unix time in whole seconds (rounded up) at which the bucket is full again.
    public var resetUnixSeconds: Int64

    /// The levels of every bucket in `reply` (a store's `peek`).
    static func levels(of reply: StoreReply) -> [BucketLevel] {
        zip(reply.plan.rules, reply.plan.shapes).enumerated().map { index, pair in
            let (rule, shape) = pair
            let deficit = index < reply.deficits.count ? reply.deficits[index] : 0
            let full = reply.nowMilliseconds + shape.millisecondsUntilFull(deficit: deficit)
            return BucketLevel(
                name: rule.name, requests: rule.requests, perSeconds: (shape.tokenUnits + 999) / 1_000,
                remaining: shape.wholeTokens(deficit: deficit), resetUnixSeconds: (full + 999) / 1_000)
        }
    }
}
