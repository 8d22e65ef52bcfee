import Yams

/// Composes YAML text into a node tree with Yams, turning syntax errors into problems.
///
/// Yams refuses a mapping with a duplicated key and names only the first occurrence. To report the
/// duplicate at its own line and keep reading the rest of the file, the earlier occurrence is renamed
/// to a placeholder (remembered in `ProblemLog.renamedKeys`) and the text composed again.
enum YAMLDocument {
    private static let maximumRenames = 64

    /// The root node (nil for an empty document), or nil after reporting a syntax error.
    static func compose(_ yaml: String, log: ProblemLog) -> (root: Node?, ok: Bool) {
        var text = yaml
        for attempt in 0...maximumRenames {
            do {
                return (try Yams.compose(yaml: text), true)
            } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
                let key = duplicates.first ?? ""
                let placeholder = "sluice-duplicate-key-\(attempt)"
                guard attempt < maximumRenames,
                      let renamed = rename(in: text, at: context.mark, to: placeholder) else {
                    log.report(line: context.mark.line, path: "",
                               "invalid YAML: the key \"\(key)\" is given twice (give each key once)")
                    return (nil, false)
                }
                log.renamedKeys[placeholder] = key
                text = renamed
            } catch let error as YamlError {
                report(error, log: log)
                return (nil, false)
            } catch {
                log.report(line: 0, path: "", "invalid YAML: \(error)")
                return (nil, false)
            }
        }
        return (nil, false)
    }

    private static func report(_ error: YamlError, log: ProblemLog) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text) at line \($0.mark.line))" } ?? " (YAML syntax)"
            log.report(line: mark.line, path: "", "invalid YAML: \(problem)\(detail)")
        case .reader(let problem, _, _, _):
            log.report(line: 0, path: "", "cannot read YAML: \(problem) (UTF-8 text)")
        default:
            log.report(line: 0, path: "", "invalid YAML: \(error)")
        }
    }

    /// The text with the key scalar that starts at `mark` replaced by `placeholder`.
    private static func rename(in text: String, at mark: Mark, to placeholder: String) -> String? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let scalars = Array(lines[mark.line - 1].unicodeScalars)
        let start = mark.column - 1
        guard start >= 0, start < scalars.count else { return nil }
        var end = start
        let first = scalars[start]
        if first == "\"" || first == "'" {
            end += 1
            while end < scalars.count {
                if scalars[end] == "\\" && first == "\"" { end += 2; continue }
                if scalars[end] == first { end += 1; break }
                end += 1
            }
        } else {
            while end < scalars.count {
                let scalar = scalars[end]
                let next = end + 1 < scalars.count ? scalars[end + 1] : " "
                if scalar == ":" && (next == " " || next == "\t" || next == "," || next == "}") { break }
                if scalar == "," || scalar == "}" || scalar == "]" || scalar == "#" { break }
                end += 1
            }
            while end > start && (scalars[end - 1] == " " || scalars[end - 1] == "\t") { end -= 1 }
        }
        guard end > start, end <= scalars.count else { return nil }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[..<start])
        view.append(contentsOf: placeholder.unicodeScalars)
        view.append(contentsOf: scalars[end...])
        lines[mark.line - 1] = String(view)
        return lines.joined(separator: "\n")
    }
}
