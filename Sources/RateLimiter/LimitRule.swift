import Essentials

/// One configured limit: a token bucket holding at most `requests` tokens, refilled
/// continuously at `requests / per`. The first rule of a configuration is the "standard" one.
public struct LimitRule: Sendable, Equatable {
    /// The limit's name, used in header names (`X-RateLimit-Limit-Minute`) and in `RateLimit-Policy`.
    public var name: String
    /// Bucket capacity: how many requests the window allows.
    public var requests: Int
    /// The window over which `requests` tokens refill.
    public var per: Duration

    /// Creates a rule; `requests` must be at least 1 and `per` at least one millisecond (see `problem`).
    public init(name: String, requests: Int, per: Duration) {
        self.name = name
        self.requests = requests
        self.per = per
    }

    /// The largest `requests × per` (in milliseconds) a limit may have: 2^53, so that every quantity
    /// of the arithmetic is also exact in a double (a Redis store's Lua numbers), e.g. up to
    /// 100,000,000 requests per day.
    public static let maximumRequestMilliseconds: Int64 = 1 << 53

    /// What is wrong with this rule for the limiter, or nil when it can be used.
    /// Config validation can report this text; `RateLimiter` clamps a rule it would refuse.
    public var problem: String? {
        if name.isEmpty { return "a limit needs a non-empty name" }
        if !name.utf8.allSatisfy(LimitRule.isNameByte) {
            return "limit name \"\(name)\" may only contain letters, digits, '-' and '_'"
        }
        if requests < 1 { return "requests must be at least 1" }
        let millis = per.wholeMilliseconds
        if millis < 1 { return "per must be at least 1 millisecond" }
        if millis > LimitRule.maximumRequestMilliseconds / Int64(requests) {
            return "requests × per is too large (at most 2^53 request-milliseconds, e.g. 100000000 per day)"
        }
        return nil
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }
}
