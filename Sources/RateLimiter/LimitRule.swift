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

    /// Creates a rule; `LimitPlan.problems(with:)` says whether it can be enforced.
    public init(name: String, requests: Int, per: Duration) {
        self.name = name
        self.requests = requests
        self.per = per
    }

    /// The longest name: 32 of `a-z`, `0-9`, `_` and `-`.
    public static let maximumNameLength = 32
    /// The largest `requests`.
    public static let maximumRequests = 1_000_000_000
    /// The longest `per`: 366 days.
    public static let maximumWindowMilliseconds: Int64 = 366 * 86_400_000
    /// The largest `requests × per` (in milliseconds) a limit may have: 2^53, so that every quantity
    /// of the arithmetic is also exact in a double (a Redis store's Lua numbers), e.g. up to
    /// 100,000,000 requests per day.
    public static let maximumRequestMilliseconds: Int64 = 1 << 53

    /// What a name may be, for messages.
    public static let allowedName = "1 to \(maximumNameLength) of a-z, 0-9, _ and -, e.g. minute"
    /// What `requests` may be, for messages.
    public static let allowedRequests = "a whole number from 1 to \(maximumRequests)"
    /// What `per` may be, for messages.
    public static let allowedPer = "from 1ms to 366d"

    /// What is wrong with this rule on its own (`LimitPlan.problems(with:)` adds the list's problems).
    func problems(index: Int) -> [LimitProblem] {
        var found: [LimitProblem] = []
        func report(_ field: LimitProblem.Field?, _ message: String) {
            found.append(LimitProblem(index: index, field: field, message: message))
        }
        if name.isEmpty {
            report(.name, "the name is empty (\(LimitRule.allowedName))")
        } else if !name.utf8.allSatisfy(LimitRule.isNameByte) {
            report(.name, "\"\(name)\" has characters other than a-z, 0-9, _ and - (\(LimitRule.allowedName))")
        } else if name.utf8.count > LimitRule.maximumNameLength {
            report(.name, "\"\(name)\" is too long (\(LimitRule.allowedName))")
        }
        let allowedRequests = LimitRule.allowedRequests
        if requests < 1 { report(.requests, "\(requests) is too small (\(allowedRequests))") }
        if requests > LimitRule.maximumRequests { report(.requests, "\(requests) is too large (\(allowedRequests))") }
        let millis = per.wholeMilliseconds
        let allowedWindow = "a duration \(LimitRule.allowedPer)"
        if millis < 1 { report(.per, "is shorter than 1ms (\(allowedWindow))") }
        if millis > LimitRule.maximumWindowMilliseconds { report(.per, "is longer than 366d (\(allowedWindow))") }
        if found.isEmpty, millis > LimitRule.maximumRequestMilliseconds / Int64(requests) {
            report(nil, "\(requests) requests per \(millis)ms make \(Int128(requests) * Int128(millis)) request-milliseconds, "
                + "more than the 2^53 counted exactly (requests × per in milliseconds at most 2^53, e.g. 100000000 per 1d)")
        }
        return found
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }
}
