import Foundation

/// A strict reader of the Prometheus text exposition format 0.0.4, for checking sluice's `/metrics` line by line.
///
/// Beyond the format's grammar (metric and label names, label value escapes `\\` `\"` `\n` only, float values,
/// optional integer timestamps, `\n` line ends) it enforces: every sample's family has `# HELP` and `# TYPE`
/// before its first sample, each at most once; a family's samples form one group; no series appears twice;
/// counters are named `…_total` and are never negative; histograms have `_bucket{le=…}` series with increasing
/// bounds and cumulative counts ending with `le="+Inf"` equal to `_count`, plus `_sum`.
public struct PrometheusExposition {
    /// One sample line.
    public struct Sample {
        public var name: String
        public var labels: [String: String]
        public var value: Double
        public var line: Int
    }

    /// A metric family: its `# HELP` text, `# TYPE` and samples in order.
    public struct Family {
        public var name: String
        public var help: String?
        public var type: String?
        public var samples: [Sample] = []
    }

    /// A line that breaks the format, with its number (1-based).
    public struct Violation: Error, CustomStringConvertible {
        public var line: Int
        public var problem: String
        public var description: String { "line \(line): \(problem)" }
    }

    /// Families in the order they were declared.
    public private(set) var families: [Family] = []
    private var index: [String: Int] = [:]

    /// Parses `text` completely, or throws at the first violation.
    public init(parsing text: String) throws {
        guard !text.contains("\r") else { throw Violation(line: 0, problem: "carriage return in the exposition") }
        guard text.isEmpty || text.hasSuffix("\n") else { throw Violation(line: 0, problem: "the last line does not end with \\n") }
        var lines = text.components(separatedBy: "\n")
        lines.removeLast()
        var closed = Set<String>()  // families whose sample group has ended
        var current: String? = nil   // the family whose group is open
        var seenSeries = Set<String>()
        for (offset, line) in lines.enumerated() {
            let number = offset + 1
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                try readComment(line, number: number, closed: &closed, current: &current)
                continue
            }
            let sample = try Self.readSample(line, number: number)
            guard let familyName = family(of: sample.name) else {
                throw Violation(line: number, problem: "sample \(sample.name) has no # TYPE before it")
            }
            let family = families[index[familyName]!]
            guard family.help != nil else { throw Violation(line: number, problem: "family \(familyName) has no # HELP before its samples") }
            if current != familyName {
                if let current { closed.insert(current) }
                guard !closed.contains(familyName) else {
                    throw Violation(line: number, problem: "samples of \(familyName) are not in one group")
                }
                current = familyName
            }
            let series = sample.name + "{" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
            guard seenSeries.insert(series).inserted else { throw Violation(line: number, problem: "series \(series) appears twice") }
            try Self.checkTyped(sample, family: family)
            families[index[familyName]!].samples.append(sample)
        }
        for family in families {
            guard family.help != nil, family.type != nil else {
                throw Violation(line: 0, problem: "family \(family.name) lacks # HELP or # TYPE")
            }
            if family.type == "histogram" { try Self.checkHistogram(family) }
        }
    }

    /// The family named `name`.
    public func family(named name: String) -> Family? { index[name].map { families[$0] } }

    /// The value of the sample `name` whose labels are exactly `labels`.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        guard let familyName = family(of: name), let family = family(named: familyName) else { return nil }
        return family.samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// Every sample named `name`.
    public func samples(named name: String) -> [Sample] {
        guard let familyName = family(of: name), let family = family(named: familyName) else { return [] }
        return family.samples.filter { $0.name == name }
    }

    // MARK: families

    /// The declared family a sample name belongs to (`x_bucket`, `x_sum`, `x_count` belong to histogram `x`).
    private func family(of sampleName: String) -> String? {
        if let position = index[sampleName], families[position].type != nil, families[position].type != "histogram" {
            return sampleName
        }
        for suffix in ["_bucket", "_sum", "_count"] where sampleName.hasSuffix(suffix) {
            let base = String(sampleName.dropLast(suffix.count))
            guard let position = index[base], let type = families[position].type else { continue }
            if type == "histogram" || (type == "summary" && suffix != "_bucket") { return base }
        }
        return nil
    }

    private mutating func readComment(_ line: String, number: Int, closed: inout Set<String>, current: inout String?) throws {
        let parts = line.dropFirst().split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0].isEmpty, parts[1] == "HELP" || parts[1] == "TYPE" else { return }  // a plain comment
        let words = parts[2].split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(words[0])
        guard Self.isMetricName(name) else { throw Violation(line: number, problem: "bad metric name \(name)") }
        let rest = words.count > 1 ? String(words[1]) : ""
        if current != name, let open = current { closed.insert(open); current = nil }
        guard !closed.contains(name) else { throw Violation(line: number, problem: "# \(parts[1]) for \(name) after its samples") }
        if index[name] == nil {
            index[name] = families.count
            families.append(Family(name: name))
        }
        let position = index[name]!
        guard families[position].samples.isEmpty else { throw Violation(line: number, problem: "# \(parts[1]) for \(name) after its samples") }
        if parts[1] == "HELP" {
            guard families[position].help == nil else { throw Violation(line: number, problem: "second # HELP for \(name)") }
            families[position].help = try Self.unescape(rest, quotes: false, number: number)
        } else {
            guard families[position].type == nil else { throw Violation(line: number, problem: "second # TYPE for \(name)") }
            guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(rest) else {
                throw Violation(line: number, problem: "unknown type \"\(rest)\" for \(name)")
            }
            if rest == "counter" && !name.hasSuffix("_total") {
                throw Violation(line: number, problem: "counter \(name) does not end in _total")
            }
            families[position].type = rest
        }
        current = name
    }

    // MARK: samples

    private static func readSample(_ line: String, number: Int) throws -> Sample {
        let bytes = Array(line.utf8)
        var i = 0
        while i < bytes.count, bytes[i] != UInt8(ascii: "{"), bytes[i] != UInt8(ascii: " ") { i += 1 }
        let name = String(decoding: bytes[0..<i], as: UTF8.self)
        guard isMetricName(name) else { throw Violation(line: number, problem: "bad metric name \"\(name)\"") }
        var labels: [String: String] = [:]
        if i < bytes.count, bytes[i] == UInt8(ascii: "{") {
            i += 1
            while i < bytes.count, bytes[i] != UInt8(ascii: "}") {
                let start = i
                while i < bytes.count, bytes[i] != UInt8(ascii: "=") { i += 1 }
                let labelName = String(decoding: bytes[start..<i], as: UTF8.self)
                guard isLabelName(labelName) else { throw Violation(line: number, problem: "bad label name \"\(labelName)\"") }
                guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") else {
                    throw Violation(line: number, problem: "label \(labelName) has no quoted value")
                }
                i += 2
                var raw: [UInt8] = []
                while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count { raw.append(bytes[i]); i += 1 }
                    raw.append(bytes[i])
                    i += 1
                }
                guard i < bytes.count else { throw Violation(line: number, problem: "unterminated value of label \(labelName)") }
                i += 1
                guard labels[labelName] == nil else { throw Violation(line: number, problem: "label \(labelName) twice") }
                labels[labelName] = try unescape(String(decoding: raw, as: UTF8.self), quotes: true, number: number)
                if i < bytes.count, bytes[i] == UInt8(ascii: ",") {
                    i += 1
                } else if i >= bytes.count || bytes[i] != UInt8(ascii: "}") {
                    throw Violation(line: number, problem: "expected , or } after label \(labelName)")
                }
            }
            guard i < bytes.count else { throw Violation(line: number, problem: "unterminated label set") }
            i += 1
        }
        guard i < bytes.count, bytes[i] == UInt8(ascii: " ") else { throw Violation(line: number, problem: "no space before the value") }
        let fields = String(decoding: bytes[(i + 1)...], as: UTF8.self).split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 1 || fields.count == 2, let value = parseValue(String(fields[0])) else {
            throw Violation(line: number, problem: "bad value/timestamp \"\(String(decoding: bytes[(i + 1)...], as: UTF8.self))\"")
        }
        if fields.count == 2 {
            guard Int64(fields[1]) != nil else { throw Violation(line: number, problem: "bad timestamp \(fields[1])") }
        }
        return Sample(name: name, labels: labels, value: value, line: number)
    }

    private static func checkTyped(_ sample: Sample, family: Family) throws {
        switch family.type {
        case "counter":
            guard sample.value >= 0 else { throw Violation(line: sample.line, problem: "counter \(sample.name) is \(sample.value)") }
        case "histogram":
            let isBucket = sample.name.hasSuffix("_bucket")
            if isBucket {
                guard let le = sample.labels["le"], parseValue(le) != nil else {
                    throw Violation(line: sample.line, problem: "bucket without a numeric le label")
                }
            } else if sample.labels["le"] != nil {
                throw Violation(line: sample.line, problem: "le label on \(sample.name)")
            }
            guard sample.value >= 0 else { throw Violation(line: sample.line, problem: "negative \(sample.name)") }
        default:
            break
        }
    }

    private static func checkHistogram(_ family: Family) throws {
        func key(_ labels: [String: String]) -> String {
            labels.filter { $0.key != "le" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        }
        var buckets: [String: [Sample]] = [:]
        var counts: [String: Double] = [:]
        var sums: [String: Double] = [:]
        for sample in family.samples {
            if sample.name == family.name + "_bucket" { buckets[key(sample.labels), default: []].append(sample) }
            if sample.name == family.name + "_count" { counts[key(sample.labels)] = sample.value }
            if sample.name == family.name + "_sum" { sums[key(sample.labels)] = sample.value }
        }
        guard !buckets.isEmpty else { throw Violation(line: 0, problem: "histogram \(family.name) has no buckets") }
        for (series, list) in buckets {
            var previousBound = -Double.infinity, previousCount = 0.0
            for sample in list {
                let bound = parseValue(sample.labels["le"]!)!
                guard bound > previousBound else { throw Violation(line: sample.line, problem: "le \(bound) not above \(previousBound)") }
                guard sample.value >= previousCount else {
                    throw Violation(line: sample.line, problem: "bucket count \(sample.value) below the previous \(previousCount)")
                }
                previousBound = bound
                previousCount = sample.value
            }
            guard let last = list.last, last.labels["le"] == "+Inf" else {
                throw Violation(line: list.last?.line ?? 0, problem: "\(family.name){\(series)} buckets do not end with le=\"+Inf\"")
            }
            guard let count = counts[series] else { throw Violation(line: last.line, problem: "\(family.name){\(series)} has no _count") }
            guard count == last.value else {
                throw Violation(line: last.line, problem: "\(family.name){\(series)} +Inf bucket \(last.value) differs from _count \(count)")
            }
            guard sums[series] != nil else { throw Violation(line: last.line, problem: "\(family.name){\(series)} has no _sum") }
        }
        guard Set(counts.keys) == Set(buckets.keys), Set(sums.keys) == Set(buckets.keys) else {
            throw Violation(line: 0, problem: "\(family.name): _count/_sum series without buckets")
        }
    }

    // MARK: lexical rules

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, first == "_" || first == ":" || first.properties.isAlphabetic else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0 == ":" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }

    static func isLabelName(_ name: String) -> Bool {
        !name.contains(":") && !name.hasPrefix("__") && isMetricName(name)
    }

    /// A Go-style float: decimal with optional exponent, or NaN / +Inf / -Inf.
    static func parseValue(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            let allowed = Set("0123456789+-.eE")
            guard !text.isEmpty, text.allSatisfy({ allowed.contains($0) }), text.contains(where: \.isNumber) else { return nil }
            return Double(text)
        }
    }

    /// Resolves `\\`, `\n` (and `\"` in label values); any other escape is a violation.
    static func unescape(_ text: String, quotes: Bool, number: Int) throws -> String {
        var out = ""
        var escaping = false
        for character in text {
            if escaping {
                switch character {
                case "\\": out.append("\\")
                case "n": out.append("\n")
                case "\"" where quotes: out.append("\"")
                default: throw Violation(line: number, problem: "invalid escape \\\(character)")
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else if character == "\"" && quotes {
                throw Violation(line: number, problem: "unescaped quote in a label value")
            } else {
                out.append(character)
            }
        }
        guard !escaping else { throw Violation(line: number, problem: "dangling backslash") }
        return out
    }
}
