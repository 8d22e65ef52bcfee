/// One thing wrong with a keys file (SPEC §10), located by line.
public struct KeysFileProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file as named to `KeyRegistry.load(path:planNames:)` or `KeyRegistry.parse(_:file:planNames:)`.
    public var file: String
    /// 1-based line; 0 when the problem concerns the whole file (it cannot be read).
    public var line: Int
    /// What is wrong, followed by what is allowed in parentheses. Never quotes a `sha256` value (a raw key
    /// pasted there by mistake must not reach a log).
    public var message: String

    /// Creates a problem.
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: what is wrong (what is allowed)`; the line is left out when 0.
    public var description: String {
        line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    }
}
