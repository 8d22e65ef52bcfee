/// Every problem found in a configuration file, in document order.
public struct ConfigError: Error, CustomStringConvertible {
    /// The problems, sorted by line.
    public var problems: [ConfigProblem]

    /// Wraps a list of problems.
    public init(problems: [ConfigProblem]) {
        self.problems = problems
    }

    /// One problem per line, as `FILE:LINE: key.path: what is wrong (what is allowed)`.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
