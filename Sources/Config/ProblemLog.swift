import Yams

/// Collects the problems found while reading one file, and turns nodes into typed values.
final class ProblemLog {
    let file: String
    /// Replaces `${NAME}` in every value before it is parsed.
    let environment: EnvironmentReferences
    private(set) var problems: [ConfigProblem] = []
    /// Placeholder key → original key, for keys renamed so that Yams would accept duplicates.
    var renamedKeys: [String: String] = [:]

    init(file: String, environment: EnvironmentReferences) {
        self.file = file
        self.environment = environment
    }

    /// Records a problem; `message` is "what is wrong (what is allowed)".
    func report(line: Int, path: String, _ message: String) {
        problems.append(ConfigProblem(file: file, line: line, keyPath: path, message: message))
    }

    /// The problems in document order (by line; reports on one line keep their order).
    var sortedProblems: [ConfigProblem] {
        problems.enumerated()
            .sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            .map(\.element)
    }

    /// The value of a node, or nil after reporting what is wrong with it.
    func value<V>(of node: Node, path: String, line fallback: Int, _ parser: ValueParser<V>) -> V? {
        let line = node.mark?.line ?? fallback
        guard case .scalar(let scalar) = node else {
            report(line: line, path: path, "is \(node.kindName), expected a single value (\(parser.allowed))")
            return nil
        }
        if scalar.isNull {
            if let nullValue = parser.nullValue { return nullValue }
            report(line: line, path: path, "has no value (\(parser.allowed))")
            return nil
        }
        let text: String
        switch environment.expand(scalar.string) {
        case .success(let expanded):
            text = expanded
        case .failure(.unset(let name)):
            report(line: line, path: path, "environment variable \(name) is not set")
            return nil
        case .failure(.malformed(let reference)):
            report(line: line, path: path, "\"\(reference)\" is not a reference to an environment variable "
                + "(${NAME}, NAME of letters, digits and _; $${ for a literal ${)")
            return nil
        }
        switch parser.parse(text, scalar.style == .plain) {
        case .success(let value):
            return value
        case .failure(let complaint):
            // A value from the environment may be a secret: problems quote it as written (`${NAME}`).
            let said = text == scalar.string || text.isEmpty ? complaint.text : complaint.text.replacing(text, with: scalar.string)
            report(line: line, path: path, "\(said) (\(parser.allowed))")
            return nil
        }
    }
}

extension Node {
    /// "a mapping", "a list" or "a value", for messages.
    var kindName: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar, .alias: return "a value"
        }
    }

    /// True for `~`, `null` or nothing, written without quotes.
    var isNull: Bool {
        if case .scalar(let scalar) = self { return scalar.isNull }
        return false
    }
}

extension Node.Scalar {
    /// True for `~`, `null` or nothing, written without quotes.
    var isNull: Bool {
        style == .plain && ["", "~", "null", "Null", "NULL"].contains(string)
    }
}
