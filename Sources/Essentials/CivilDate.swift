/// A proleptic Gregorian calendar date, converted to and from days since 1970-01-01 with Howard Hinnant's
/// `civil_from_days` / `days_from_civil` algorithms (exact for every `Int64` day count that fits the year).
public struct CivilDate: Equatable, Sendable {
    /// The year (may be zero or negative).
    public var year: Int64
    /// The month, 1 to 12.
    public var month: Int64
    /// The day of the month, 1 to 31.
    public var day: Int64

    /// The date of `year`-`month`-`day` (not validated: see ``daysIn(month:year:)``).
    @inlinable
    public init(year: Int64, month: Int64, day: Int64) {
        (self.year, self.month, self.day) = (year, month, day)
    }

    /// The date `days` after 1970-01-01 (negative days are before).
    @inlinable
    public init(daysSinceEpoch days: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Days since 1970-01-01.
    @inlinable
    public var daysSinceEpoch: Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The day of the week, 0 (Sunday) to 6 (Saturday).
    @inlinable
    public var weekday: Int {
        Int((daysSinceEpoch % 7 + 11) % 7)  // 1970-01-01 was a Thursday
    }

    /// How many days `month` (1 to 12) has in `year`.
    public static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Zero-padded decimal digits written straight into memory, for the timestamp formats.
@usableFromInline
enum PaddedDecimal {
    /// Writes `value` as at least `width` digits at `out`, returns the position after them.
    @inlinable
    static func write(_ value: UInt64, width: Int, at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        let count = max(digits, width)
        var remaining = value
        for index in stride(from: count - 1, through: 0, by: -1) {
            out[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10)
            remaining /= 10
        }
        return out + count
    }
}
