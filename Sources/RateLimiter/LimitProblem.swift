/// Why a list of limits cannot be enforced exactly: which limit (its index in the list), which of its
/// fields (nil for the limit as a whole) and what is wrong, followed by what is allowed in parentheses.
/// `LimitPlan.problems(with:)` finds them; the configuration reports them with their lines.
public struct LimitProblem: Sendable, Equatable, CustomStringConvertible {
    /// A field of a limit, named as in the configuration.
    public enum Field: String, Sendable {
        case name, requests, per
    }

    /// Index of the limit in the list.
    public var index: Int
    /// The field concerned, or nil when the problem is the limit as a whole.
    public var field: Field?
    /// What is wrong (what is allowed).
    public var message: String

    /// Creates a problem.
    public init(index: Int, field: Field?, message: String) {
        self.index = index
        self.field = field
        self.message = message
    }

    /// `limits[1].per: message`.
    public var description: String {
        "limits[\(index)]\(field.map { ".\($0.rawValue)" } ?? ""): \(message)"
    }
}
