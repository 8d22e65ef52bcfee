/// One extra error-code mapping (an item of `errors.rules`).
public struct ErrorRuleConfig: Sendable, Equatable {
    /// The upstream status it applies to, 400–599.
    public var status: Int
    /// A case-insensitive substring of the message; `nil` matches any message.
    public var message: String?
    /// The `UPPER_SNAKE_CASE` code written into the envelope.
    public var code: String

    /// Creates a rule.
    public init(status: Int, message: String? = nil, code: String) {
        self.status = status
        self.message = message
        self.code = code
    }
}
