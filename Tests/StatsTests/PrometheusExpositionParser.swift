import Foundation

/// A strict parser of the Prometheus text exposition format 0.0.4, for tests.
///
/// Rejects: a sample before its family's `# HELP` and `# TYPE`, a family declared twice or interleaved with
/// another, a counter not ending in `_total`, invalid metric or label names, bad label escaping, unparsable
/// values, duplicate samples, histogram buckets that are not cumulative or do not end with `+Inf` equal to
/// `_count`, and a missing final newline.
struct PrometheusExpositionParser {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family {
        var name: String
        var help: String
        var type: String
        var samples: [Sample] = []
    }

    struct Failure: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    private(set) var families: [String: Family] = [:]
    private(set) var order: [String] = []

    /// Parses `text` completely or throws the first violation.
    static func parse(_ text: String) throws -> PrometheusExpositionParser {
        var parser = PrometheusExpositionParser()
        guard text.hasSuffix("\n") else { throw Failure(line: 0, message: "no final newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        var pendingHelp: (name: String, text: String)?
        var current: String?
        for (index, rawLine) in lines.enumerated() {
            let number = index + 1
            let line = String(rawLine)
            func fail(_ message: String) -> Failure { Failure(line: number, message: "\(message): \(line)") }
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst(7)
                guard let space = rest.firstIndex(of: " ") else { throw fail("HELP without text") }
                let name = String(rest[..<space])
                guard Self.isMetricName(name) else { throw fail("bad metric name") }
                guard parser.families[name] == nil, pendingHelp == nil else { throw fail("HELP repeated or out of order") }
                let help = String(rest[rest.index(after: space)...])
                guard Self.hasValidEscapes(help, allowQuote: false) else { throw fail("bad HELP escaping") }
                pendingHelp = (name, help)
            } else if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 2, let help = pendingHelp, help.name == parts[0] else {
                    throw fail("TYPE without the HELP just before it")
                }
                guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[1]) else {
                    throw fail("unknown type")
                }
                if parts[1] == "counter" && !parts[0].hasSuffix("_total") { throw fail("counter not ending in _total") }
                parser.families[parts[0]] = Family(name: parts[0], help: help.text, type: parts[1])
                parser.order.append(parts[0])
                current = parts[0]
                pendingHelp = nil
            } else if line.hasPrefix("#") || line.isEmpty {
                throw fail("unexpected comment or empty line")
            } else {
                let sample = try Self.parseSample(line, number: number)
                guard let family = current, Self.belongs(sample.name, to: parser.families[family]!) else {
                    throw fail("sample outside its declared family")
                }
                if parser.families[family]!.samples.contains(where: { $0.name == sample.name && $0.labels == sample.labels }) {
                    throw fail("duplicate sample")
                }
                parser.families[family]!.samples.append(sample)
            }
        }
        guard pendingHelp == nil else { throw Failure(line: lines.count, message: "HELP without TYPE at the end") }
        for family in parser.families.values where family.type == "histogram" {
            try checkHistogram(family)
        }
        return parser
    }

    /// The value of the sample `name` with exactly `labels`, if present.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        for family in families.values {
            if let sample = family.samples.first(where: { $0.name == name && $0.labels == labels }) { return sample.value }
        }
        return nil
    }

    private static func belongs(_ sampleName: String, to family: Family) -> Bool {
        switch family.type {
        case "histogram":
            return [family.name + "_bucket", family.name + "_sum", family.name + "_count"].contains(sampleName)
        case "summary":
            return [family.name, family.name + "_sum", family.name + "_count"].contains(sampleName)
        default:
            return sampleName == family.name
        }
    }

    private static func checkHistogram(_ family: Family) throws {
        var groups: [[String: String]: [(le: Double, count: Double)]] = [:]
        for sample in family.samples where sample.name == family.name + "_bucket" {
            var labels = sample.labels
            guard let le = labels.removeValue(forKey: "le"), let bound = parseValue(le) else {
                throw Failure(line: 0, message: "\(family.name): bucket without a valid le")
            }
            groups[labels, default: []].append((bound, sample.value))
        }
        guard !groups.isEmpty else { throw Failure(line: 0, message: "\(family.name): no buckets") }
        for (labels, buckets) in groups {
            for (previous, next) in zip(buckets, buckets.dropFirst()) {
                guard next.le > previous.le, next.count >= previous.count else {
                    throw Failure(line: 0, message: "\(family.name): buckets not increasing and cumulative")
                }
            }
            guard buckets.last!.le == .infinity else { throw Failure(line: 0, message: "\(family.name): no +Inf bucket") }
            let count = family.samples.first { $0.name == family.name + "_count" && $0.labels == labels }
            let sum = family.samples.first { $0.name == family.name + "_sum" && $0.labels == labels }
            guard let count, sum != nil, count.value == buckets.last!.count else {
                throw Failure(line: 0, message: "\(family.name): _count missing or different from the +Inf bucket")
            }
        }
    }

    private static func parseSample(_ line: String, number: Int) throws -> Sample {
        let fail = { (message: String) in Failure(line: number, message: "\(message): \(line)") }
        let bytes = Array(line.utf8)
        var index = 0
        while index < bytes.count, bytes[index] != UInt8(ascii: "{"), bytes[index] != UInt8(ascii: " ") { index += 1 }
        let name = String(decoding: bytes[..<index], as: UTF8.self)
        guard isMetricName(name) else { throw fail("bad metric name") }
        var labels: [String: String] = [:]
        if index < bytes.count, bytes[index] == UInt8(ascii: "{") {
            index += 1
            while true {
                let start = index
                while index < bytes.count, bytes[index] != UInt8(ascii: "=") { index += 1 }
                let label = String(decoding: bytes[start..<index], as: UTF8.self)
                guard isLabelName(label), labels[label] == nil else { throw fail("bad or repeated label name") }
                index += 1
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("label value not quoted") }
                index += 1
                var value: [UInt8] = []
                while true {
                    guard index < bytes.count else { throw fail("unterminated label value") }
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") { break }
                    if byte == UInt8(ascii: "\\") {
                        guard index + 1 < bytes.count else { throw fail("dangling escape") }
                        switch bytes[index + 1] {
                        case UInt8(ascii: "\\"): value.append(UInt8(ascii: "\\"))
                        case UInt8(ascii: "\""): value.append(UInt8(ascii: "\""))
                        case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                        default: throw fail("invalid escape in label value")
                        }
                        index += 2
                    } else {
                        value.append(byte)
                        index += 1
                    }
                }
                index += 1
                labels[label] = String(decoding: value, as: UTF8.self)
                guard index < bytes.count else { throw fail("unterminated label set") }
                if bytes[index] == UInt8(ascii: "}") { index += 1; break }
                guard bytes[index] == UInt8(ascii: ",") else { throw fail("expected , or }") }
                index += 1
            }
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: " ") else { throw fail("no space before the value") }
        let valueText = String(decoding: bytes[(index + 1)...], as: UTF8.self)
        guard let value = parseValue(valueText) else { throw fail("bad value") }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func parseValue(_ text: String) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default:
            guard !text.isEmpty, text.allSatisfy({ "0123456789.eE+-".contains($0) }) else { return nil }
            return Double(text)
        }
    }

    private static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetterOr("_:") else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetterOr("_:") || ("0"..."9").contains($0) }
    }

    private static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetterOr("_"), !name.hasPrefix("__") else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetterOr("_") || ("0"..."9").contains($0) }
    }

    private static func hasValidEscapes(_ text: String, allowQuote: Bool) -> Bool {
        var escaping = false
        for scalar in text.unicodeScalars {
            if escaping {
                guard scalar == "\\" || scalar == "n" || (allowQuote && scalar == "\"") else { return false }
                escaping = false
            } else if scalar == "\\" {
                escaping = true
            }
        }
        return !escaping
    }
}

private extension Unicode.Scalar {
    func isASCIILetterOr(_ extra: String) -> Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || extra.unicodeScalars.contains(self)
    }
}
