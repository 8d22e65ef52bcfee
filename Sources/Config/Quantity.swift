import Essentials

/// Parsing and printing of durations (`250ms`, `10s`, `1.5m`, `1h`, `2d`, plain seconds) and sizes
/// (`512`, `512B`, `16KiB`, `10MiB`, `1GiB`).
enum Quantity {
    static let durationUnits: [(suffix: String, nanoseconds: Int64)] = [
        ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000),
        ("h", 3_600_000_000_000), ("d", 86_400_000_000_000),
    ]
    static let sizeUnits: [(suffix: String, bytes: Int64)] = [
        ("B", 1), ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
    ]
    /// Units people write that are ambiguous between 1000 and 1024; refused with a hint.
    static let ambiguousSizeUnits: Set<String> = ["K", "k", "KB", "kB", "kb", "M", "MB", "mb", "G", "GB", "gb"]

    /// Parses a duration; plain numbers are seconds.
    static func duration(_ text: String) -> Result<Duration, Complaint> {
        switch split(text) {
        case .failure(let complaint):
            return .failure(complaint)
        case .success(let (number, unit)):
            let multiplier: Int64
            if unit.isEmpty {
                multiplier = 1_000_000_000
            } else if let known = durationUnits.first(where: { $0.suffix == unit }) {
                multiplier = known.nanoseconds
            } else {
                return .failure(Complaint("\"\(text)\" has an unknown unit \"\(unit)\""))
            }
            guard let scaled = scale(number, by: multiplier) else {
                return .failure(Complaint("\"\(text)\" is too large"))
            }
            return .success(.nanoseconds(scaled.value))
        }
    }

    /// Parses a size in bytes; it must come to a whole number of bytes.
    static func size(_ text: String) -> Result<Int, Complaint> {
        switch split(text) {
        case .failure(let complaint):
            return .failure(complaint)
        case .success(let (number, unit)):
            if ambiguousSizeUnits.contains(String(unit)) {
                return .failure(Complaint("\"\(text)\" has the ambiguous unit \"\(unit)\"; write KiB, MiB or GiB"))
            }
            let multiplier: Int64
            if unit.isEmpty {
                multiplier = 1
            } else if let known = sizeUnits.first(where: { $0.suffix == unit }) {
                multiplier = known.bytes
            } else {
                return .failure(Complaint("\"\(text)\" has an unknown unit \"\(unit)\""))
            }
            guard let scaled = scale(number, by: multiplier) else {
                return .failure(Complaint("\"\(text)\" is too large"))
            }
            guard scaled.exact else {
                return .failure(Complaint("\"\(text)\" is not a whole number of bytes"))
            }
            return .success(Int(scaled.value))
        }
    }

    /// Splits `"1.5 MiB"` into `("1.5", "MiB")`, refusing signs and anything but digits and one dot.
    private static func split(_ raw: String) -> Result<(Substring, Substring), Complaint> {
        let text = raw.trimmingSpaces
        if text.hasPrefix("-") { return .failure(Complaint("\"\(raw)\" is negative")) }
        let numberEnd = text.firstIndex { !($0.isASCIIDigit || $0 == ".") } ?? text.endIndex
        let number = text[..<numberEnd]
        let unit = text[numberEnd...].trimmingSpaces
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard !number.isEmpty, parts.count <= 2, !parts[0].isEmpty, parts.allSatisfy({ !$0.isEmpty }) else {
            return .failure(Complaint("\"\(raw)\" is not a number with a unit"))
        }
        return .success((number, unit))
    }

    /// `number × multiplier` as an integer, and whether nothing was cut off; nil on overflow.
    private static func scale(_ number: Substring, by multiplier: Int64) -> (value: Int64, exact: Bool)? {
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts[0].count <= 18, let whole = Int64(parts[0]) else { return nil }
        let (product, overflow) = whole.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        guard parts.count == 2 else { return (product, true) }
        var fraction: Int64 = 0
        var scale: Int64 = 1
        for digit in parts[1].prefix(18) {
            fraction = fraction * 10 + Int64(digit.wholeNumberValue!)
            scale *= 10
        }
        let exactDigits = parts[1].dropFirst(18).allSatisfy { $0 == "0" }
        // fraction < scale <= 10^18, multiplier <= 8.64e13: split to avoid overflow.
        let part = fraction.multipliedFullWidth(by: multiplier)
        let (quotient, remainder) = scale.dividingFullWidth(part)
        let (sum, sumOverflow) = product.addingReportingOverflow(quotient)
        guard !sumOverflow else { return nil }
        return (sum, remainder == 0 && exactDigits)
    }

    /// The shortest exact spelling of a duration: `250ms`, `10s`, `1m`, `1h`, `2d`.
    static func format(_ duration: Duration) -> String {
        let nanoseconds = duration.wholeNanoseconds
        if nanoseconds == 0 { return "0s" }
        for unit in durationUnits.reversed() where nanoseconds % unit.nanoseconds == 0 {
            return "\(nanoseconds / unit.nanoseconds)\(unit.suffix)"
        }
        return "\(nanoseconds)ns"
    }

    /// The shortest exact spelling of a size: `512B`, `16KiB`, `10MiB`.
    static func format(bytes: Int) -> String {
        if bytes == 0 { return "0B" }
        for unit in sizeUnits.reversed() where Int64(bytes) % unit.bytes == 0 {
            return "\(Int64(bytes) / unit.bytes)\(unit.suffix)"
        }
        return "\(bytes)B"
    }
}

extension StringProtocol where SubSequence == Substring {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map { index(after: $0) } ?? start
        return self[start..<end]
    }
}
