#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// UTC timestamps in RFC 3339 with milliseconds (`2026-11-21T18:01:30.123Z`), without Foundation.
public enum RFC3339Time {
    /// Milliseconds since the Unix epoch, from the real-time clock.
    public static func nowMillis() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// `millis` since the Unix epoch as `YYYY-MM-DDThh:mm:ss.sssZ` (proleptic Gregorian calendar, UTC).
    public static func format(millis: Int64) -> String {
        String(decoding: ByteCursor.bytes(capacity: maxCount) { write(millis: millis, to: &$0) }, as: UTF8.self)
    }

    /// The most bytes `write(millis:to:)` produces (a year of up to 20 digits with a sign, and the rest).
    static let maxCount = 21 + 20

    /// Writes `format(millis:)` without building a `String`.
    static func write(millis: Int64, to out: inout ByteCursor) {
        let milliOfSecond = ((millis % 1000) + 1000) % 1000
        let seconds = (millis - milliOfSecond) / 1000
        let secondOfDay = ((seconds % 86_400) + 86_400) % 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: (seconds - secondOfDay) / 86_400)
        appendField(year, 4, UInt8(ascii: "-"), to: &out)
        appendField(Int64(month), 2, UInt8(ascii: "-"), to: &out)
        appendField(Int64(day), 2, UInt8(ascii: "T"), to: &out)
        appendField(secondOfDay / 3600, 2, UInt8(ascii: ":"), to: &out)
        appendField(secondOfDay / 60 % 60, 2, UInt8(ascii: ":"), to: &out)
        appendField(secondOfDay % 60, 2, UInt8(ascii: "."), to: &out)
        appendField(milliOfSecond, 3, UInt8(ascii: "Z"), to: &out)
    }

    @inline(__always)
    private static func appendField(_ value: Int64, _ width: Int, _ separator: UInt8, to out: inout ByteCursor) {
        if value < 0 { out.put(UInt8(ascii: "-")) }
        FixedPoint.writeDecimal(value.magnitude, width: width, to: &out)
        out.put(separator)
    }

    /// Howard Hinnant's `civil_from_days`: the date `days` after 1970-01-01.
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
