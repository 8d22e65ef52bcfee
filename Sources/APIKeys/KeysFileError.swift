/// Every problem found in a keys file, in line order.
public struct KeysFileError: Error, Sendable, CustomStringConvertible {
    /// The problems, sorted by line.
    public var problems: [KeysFileProblem]

    /// Wraps a list of problems.
    public init(problems: [KeysFileProblem]) {
        self.problems = problems
    }

    /// One problem per line, as `FILE:LINE: what is wrong (what is allowed)`.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
