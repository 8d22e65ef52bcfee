import Yams

/// Reads one YAML mapping of the schema: reports unknown and duplicate keys when created, then hands
/// out typed values by key, leaving defaults in place for absent keys.
struct MappingReader {
    let log: ProblemLog
    /// Key path of this mapping, e.g. `upstream.health_check`; empty for the root.
    let path: String
    /// Where problems about the mapping as a whole (a missing key) are reported.
    let line: Int
    /// False when the node was not a mapping (reported); missing keys are then not reported again.
    private(set) var isValid = true
    private var values: [String: Node] = [:]
    private var keyLines: [String: Int] = [:]

    /// Reads `node` (absent or null: an empty mapping) and reports keys not in `known`.
    init(_ node: Node?, path: String, line: Int, known: [String], log: ProblemLog, parentValid: Bool = true) {
        self.log = log
        self.path = path
        self.line = line
        self.isValid = parentValid
        guard let node, !node.isNull else { return }
        guard case .mapping(let mapping) = node else {
            isValid = false
            log.report(line: node.mark?.line ?? line, path: path,
                       "is \(node.kindName), expected a mapping (keys: \(known.joined(separator: ", ")))")
            return
        }
        for (keyNode, value) in mapping {
            let keyLine = keyNode.mark?.line ?? line
            guard case .scalar(let scalar) = keyNode else {
                log.report(line: keyLine, path: path, "has a key that is \(keyNode.kindName) (plain names only)")
                continue
            }
            let key = log.renamedKeys[scalar.string] ?? scalar.string
            let keyPath = child(key)
            if let first = keyLines[key] {
                log.report(line: keyLine, path: keyPath, "is given twice (first at line \(first); give each key once)")
            } else if !known.contains(key) {
                log.report(line: keyLine, path: keyPath, "is an unknown key (\(MappingReader.hint(for: key, known: known)))")
            }
            keyLines[key] = keyLines[key] ?? keyLine
            values[key] = value
        }
    }

    /// The key path of a key in this mapping.
    func child(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// The node of a key, if present.
    func node(_ key: String) -> Node? {
        values[key]
    }

    /// The line of a key, or of this mapping when the key is absent.
    func line(of key: String) -> Int {
        keyLines[key] ?? line
    }

    /// Sets `target` from the key when present; false when present but invalid (reported).
    @discardableResult
    func read<V>(_ key: String, _ parser: ValueParser<V>, into target: inout V) -> Bool {
        guard let node = values[key] else { return true }
        guard let value = log.value(of: node, path: child(key), line: line(of: key), parser) else { return false }
        target = value
        return true
    }

    /// The value of a key that has no default; reports it missing at this mapping's line.
    func required<V>(_ key: String, _ parser: ValueParser<V>) -> V? {
        guard let node = values[key] else {
            guard isValid else { return nil }
            log.report(line: line, path: child(key), "is missing (\(parser.allowed))")
            return nil
        }
        return log.value(of: node, path: child(key), line: line(of: key), parser)
    }

    /// A nested mapping; absent or invalid ones read as empty (all defaults).
    func section(_ key: String, known: [String]) -> MappingReader {
        MappingReader(values[key], path: child(key), line: line(of: key), known: known, log: log, parentValid: isValid)
    }

    /// The items of a list with their key paths and lines; nil when absent or not a list (reported).
    func list(_ key: String, of expected: String) -> [(node: Node, path: String, line: Int)]? {
        guard let node = values[key] else { return nil }
        let keyLine = line(of: key)
        if node.isNull { return [] }
        guard case .sequence(let sequence) = node else {
            log.report(line: node.mark?.line ?? keyLine, path: child(key), "is \(node.kindName), expected a list (\(expected))")
            return nil
        }
        return sequence.enumerated().map { index, item in
            (item, "\(child(key))[\(index)]", item.mark?.line ?? keyLine)
        }
    }

    /// "did you mean …?" for a near miss, else the keys allowed here.
    static func hint(for key: String, known: [String]) -> String {
        let scored = known.map { ($0, editDistance(key.lowercased(), $0)) }
        if let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(1, min(3, best.0.count / 3)) {
            return "did you mean \"\(best.0)\"?"
        }
        return "allowed here: \(known.joined(separator: ", "))"
    }

    /// Levenshtein distance between two strings.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
