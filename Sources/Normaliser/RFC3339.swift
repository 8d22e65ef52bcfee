/// RFC 3339 timestamps without Foundation.
public enum RFC3339 {
    /// The latest instant with a four-digit year: 9999-12-31T23:59:59Z.
    static let maximumUnixSeconds: Int64 = 253_402_300_799

    /// `"2026-11-21T10:30:00Z"` for a Unix time in seconds (UTC). Times before 1970 or after year 9999
    /// are clamped to those bounds.
    public static func format(unixSeconds: Int64) -> String {
        format(unixSeconds: unixSeconds, fraction: "")
    }

    /// Whether `text` is an RFC 3339 `date-time` (e.g. `2024-01-15T10:30:00Z`, `2024-01-15t10:30:00.5+02:00`),
    /// with real calendar dates and at most 64 characters.
    public static func isValid(_ text: String) -> Bool {
        DateTime(text) != nil
    }

    /// `text` as an RFC 3339 UTC timestamp: the same instant with a `Z` suffix and upper-case `T`
    /// (`2024-01-15T12:30:00+02:00` → `2024-01-15T10:30:00Z`, fraction kept), or nil when it is not valid.
    public static func utc(_ text: String) -> String? {
        guard let time = DateTime(text) else { return nil }
        let local = daysFromCivil(year: time.year, month: time.month, day: time.day) * 86_400
            + time.hour * 3600 + time.minute * 60 + time.second
        return format(unixSeconds: local - time.offsetSeconds, fraction: time.fraction)
    }

    /// `text` as a Unix time in whole seconds (`2027-01-01T01:00:00+01:00` → 1798761600; a fraction is dropped,
    /// a leap second `:60` counts as the next second's start), or nil when it is not a valid RFC 3339 `date-time`.
    public static func unixSeconds(_ text: String) -> Int64? {
        guard let time = DateTime(text) else { return nil }
        return daysFromCivil(year: time.year, month: time.month, day: time.day) * 86_400
            + time.hour * 3600 + time.minute * 60 + time.second - time.offsetSeconds
    }

    private static func format(unixSeconds: Int64, fraction: String) -> String {
        let seconds = min(max(unixSeconds, 0), maximumUnixSeconds)
        let (year, month, day) = civilDate(daysSinceEpoch: seconds / 86_400)
        let secondOfDay = seconds % 86_400
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(secondOfDay / 3600, 2) + ":"
            + pad(secondOfDay % 3600 / 60, 2) + ":" + pad(secondOfDay % 60, 2) + fraction + "Z"
    }

    /// The fields of a valid RFC 3339 `date-time`.
    private struct DateTime {
        var year, month, day, hour, minute, second: Int64
        /// `""` or `"."` and the fraction digits.
        var fraction: String
        var offsetSeconds: Int64

        init?(_ text: String) {
            let bytes = Array(text.utf8)
            guard bytes.count >= 20, bytes.count <= 64 else { return nil }
            func number(_ start: Int, _ count: Int) -> Int64? {
                var value: Int64 = 0
                for index in start..<start + count {
                    let byte = bytes[index]
                    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                    value = value * 10 + Int64(byte - UInt8(ascii: "0"))
                }
                return value
            }
            guard let year = number(0, 4), bytes[4] == UInt8(ascii: "-"), let month = number(5, 2), bytes[7] == UInt8(ascii: "-"),
                  let day = number(8, 2), bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
                  let hour = number(11, 2), bytes[13] == UInt8(ascii: ":"), let minute = number(14, 2), bytes[16] == UInt8(ascii: ":"),
                  let second = number(17, 2),
                  (1...12).contains(month), day >= 1, day <= RFC3339.daysIn(month: month, year: year),
                  hour <= 23, minute <= 59, second <= 60
            else { return nil }
            (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
            var index = 19
            if bytes[index] == UInt8(ascii: ".") {
                index += 1
                while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
                guard index > 20 else { return nil }
            }
            fraction = String(decoding: bytes[19..<index], as: UTF8.self)
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                guard index + 1 == bytes.count else { return nil }
                offsetSeconds = 0
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard bytes.count - index == 6, let offsetHour = number(index + 1, 2), bytes[index + 3] == UInt8(ascii: ":"),
                      let offsetMinute = number(index + 4, 2), offsetHour <= 23, offsetMinute <= 59
                else { return nil }
                offsetSeconds = (offsetHour * 3600 + offsetMinute * 60) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
            default:
                return nil
            }
        }
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Howard Hinnant's `days_from_civil`: days since 1970-01-01 (for years 0 to 9999).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Howard Hinnant's `civil_from_days`, for days ≥ 0 since 1970-01-01.
    private static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = daysSinceEpoch + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
