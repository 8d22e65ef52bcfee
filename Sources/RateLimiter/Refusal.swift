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
