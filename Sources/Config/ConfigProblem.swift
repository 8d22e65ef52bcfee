/// One thing wrong with a configuration file, located by line and key path.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file as named to `load(path:)` or `parse(yaml:file:)`.
    public var file: String
    /// 1-based line; 0 when the problem concerns the whole file (it cannot be read).
    public var line: Int
    /// Where in the schema, e.g. `rate_limit.limits[1].per`; empty for YAML syntax and file errors.
    public var keyPath: String
    /// What is wrong, followed by what is allowed in parentheses.
    public var message: String

    /// Creates a problem.
    public init(file: String, line: Int, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.message = message
    }

    /// `FILE:LINE: key.path: what is wrong (what is allowed)`; the line and key path are left out when absent.
    public var description: String {
        let location = line > 0 ? "\(file):\(line)" : file
        return keyPath.isEmpty ? "\(location): \(message)" : "\(location): \(keyPath): \(message)"
    }
}
