/// A configuration of limits compiled for the hot path: integer bucket shapes and every constant
/// piece of the rate-limit headers, built once per configuration (at init and on each reload).
public final class LimitPlan: Sendable {
    /// The limits, the first being the standard one.
    public let rules: [LimitRule]
    /// The limits in integer units, in the same order.
    public let shapes: [BucketShape]
    /// Each limit's window in words (`1 hour`), for the 429 details.
    public let windowWords: [String]

    /// The constant bytes of the header lines.
    let headers: HeaderTemplate

    /// Compiles `rules`; only the first `PerBucket.capacity` (8) are used (see `LimitPlan.problems(with:)`).
    public init(rules allRules: [LimitRule]) {
        let rules = Array(allRules.prefix(PerBucket.capacity))
        self.rules = rules
        shapes = rules.map(BucketShape.init)
        windowWords = rules.map { WindowWords.describe($0.per) }
        let standard = shapes.first.map { String($0.refillPerMillisecond) } ?? "0"
        let limitHeads = zip(rules, shapes).map { rule, shape in
            let suffix = LimitPlan.headerSuffix(rule.name)
            return "X-RateLimit-Limit-\(suffix): \(shape.refillPerMillisecond)\r\nX-RateLimit-Remaining-\(suffix): "
        }
        let policies = zip(rules, shapes).map { rule, shape in
            let seconds = (shape.tokenUnits + 999) / 1_000
            return "\(LimitPlan.quoted(rule.name));q=\(shape.refillPerMillisecond);w=\(seconds)"
        }
        headers = HeaderTemplate(
            standardHead: "X-RateLimit-Limit: \(standard)\r\nX-RateLimit-Remaining: ",
            policyHead: "RateLimit-Policy: \(policies.joined(separator: ", "))\r\nRateLimit: ",
            limitHeads: limitHeads,
            itemHeads: rules.map { "\(LimitPlan.quoted($0.name));r=" })
    }

    /// Everything that keeps `rules` from being enforced exactly, in list order: each rule's own
    /// problems (name, `requests`, `per`, `requests × per` beyond 2^53 ms), more than
    /// `PerBucket.capacity` (8) limits, and two names that give the same header names. The
    /// configuration reports these (with their lines); a plan compiled from rules with problems uses
    /// only the first 8 and clamps the rest (see `BucketShape`).
    public static func problems(with rules: [LimitRule]) -> [LimitProblem] {
        var found: [LimitProblem] = []
        var suffixes: [String: Int] = [:]
        for (index, rule) in rules.enumerated() {
            found += rule.problems(index: index)
            if index == PerBucket.capacity {
                found.append(LimitProblem(index: index, field: nil, message:
                    "is limit number \(index + 1) (at most \(PerBucket.capacity) limits)"))
            }
            let suffix = headerSuffix(rule.name).lowercased()
            guard !rule.name.isEmpty else { continue }
            if let first = suffixes[suffix] {
                let other = rules[first].name
                found.append(LimitProblem(index: index, field: .name, message: other == rule.name
                    ? "\"\(rule.name)\" is the name of limits[\(first)] too (a name used once)"
                    : "\"\(rule.name)\" and limits[\(first)] \"\(other)\" give the same header names "
                        + "X-RateLimit-*-\(headerSuffix(rule.name)) (names that differ in more than - and _)"))
            } else {
                suffixes[suffix] = index
            }
        }
        return found
    }

    /// The header-name suffix of a limit: `minute` → `Minute`, `per_day` → `Per-Day` (each part
    /// capitalised, `_` becoming `-`, anything outside a header token dropped).
    public static func headerSuffix(_ name: String) -> String {
        var out: [UInt8] = []
        var startOfPart = true
        for byte in name.utf8 {
            if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") {
                out.append(UInt8(ascii: "-"))
                startOfPart = true
            } else if LimitRule.isNameByte(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) {
                let isLower = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
                out.append(startOfPart && isLower ? byte - 32 : byte)
                startOfPart = false
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `name` as a structured-field string (RFC 8941): quoted, `"` and `\` escaped, non-printable
    /// bytes dropped.
    static func quoted(_ name: String) -> String {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in name.utf8 where byte >= 0x20 && byte < 0x7f {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }
}
