/// One `errors.rules` entry from the configuration: upstream errors with `status` whose message contains
/// `messageContains` (case-insensitively; nil matches any message) get `code`. Rules are checked, in order,
/// before the built-in table.
public struct CodeRule: Sendable, Equatable {
    /// The HTTP status the rule applies to.
    public var status: Int
    /// A substring the upstream message must contain (case-insensitive), or nil for any message.
    public var messageContains: String?
    /// The code to use.
    public var code: String

    /// A rule `status` + `messageContains` → `code`.
    public init(status: Int, messageContains: String? = nil, code: String) {
        self.status = status
        self.messageContains = messageContains
        self.code = code
    }
}
