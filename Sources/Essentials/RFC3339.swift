/// RFC 3339 timestamps in UTC without Foundation: written for envelopes, logs and the access log, and read
/// (validated, converted to UTC) from upstream error bodies.
public enum RFC3339 {
    /// The latest instant with a four-digit year: 9999-12-31T23:59:59Z.
    public static let maximumUnixSeconds: Int64 = 253_402_300_799

    /// The most bytes ``write(millis:at:)`` produces (a signed year of up to 20 digits, and the rest).
    public static let maxMillisCount = 21 + 20

    /// `"2026-11-21T10:30:00Z"` for a Unix time in seconds. Times before 1970 or after year 9999 are clamped
    /// to those bounds.
    public static func format(unixSeconds: Int64) -> String {
        format(unixSeconds: unixSeconds, fraction: "")
    }

    /// `millis` since the Unix epoch as `YYYY-MM-DDThh:mm:ss.sssZ` (any instant; years before 0 get a sign).
    public static func format(millis: Int64) -> String {
        String(unsafeUninitializedCapacity: maxMillisCount) { buffer in
            write(millis: millis, at: buffer.baseAddress!) - buffer.baseAddress!
        }
    }

    /// Writes ``format(millis:)`` at `out` (room for ``maxMillisCount`` bytes); returns the position after it.
    @inlinable
    public static func write(millis: Int64, at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let milliOfSecond = ((millis % 1000) + 1000) % 1000
        let seconds = (millis - milliOfSecond) / 1000
        let secondOfDay = ((seconds % 86_400) + 86_400) % 86_400
        let date = CivilDate(daysSinceEpoch: (seconds - secondOfDay) / 86_400)
        var out = out
        if date.year < 0 { out.pointee = UInt8(ascii: "-"); out += 1 }
        out = field(date.year.magnitude, 4, "-", out)
        out = field(UInt64(date.month), 2, "-", out)
        out = field(UInt64(date.day), 2, "T", out)
        out = field(UInt64(secondOfDay / 3600), 2, ":", out)
        out = field(UInt64(secondOfDay / 60 % 60), 2, ":", out)
        out = field(UInt64(secondOfDay % 60), 2, ".", out)
        return field(UInt64(milliOfSecond), 3, "Z", out)
    }

    @inlinable @inline(__always)
    static func field(
        _ value: UInt64, _ width: Int, _ separator: Unicode.Scalar, _ out: UnsafeMutablePointer<UInt8>
    ) -> UnsafeMutablePointer<UInt8> {
        let end = PaddedDecimal.write(value, width: width, at: out)
        end.pointee = UInt8(ascii: separator)
        return end + 1
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
        let local = CivilDate(year: time.year, month: time.month, day: time.day).daysSinceEpoch * 86_400
            + time.hour * 3600 + time.minute * 60 + time.second
        return format(unixSeconds: local - time.offsetSeconds, fraction: time.fraction)
    }

    /// `text` as a Unix time in whole seconds (`2027-01-01T01:00:00+01:00` → 1798761600; a fraction is dropped,
    /// a leap second `:60` counts as the next second's start), or nil when it is not a valid RFC 3339 `date-time`.
    public static func unixSeconds(_ text: String) -> Int64? {
        guard let time = DateTime(text) else { return nil }
        return CivilDate(year: time.year, month: time.month, day: time.day).daysSinceEpoch * 86_400
            + time.hour * 3600 + time.minute * 60 + time.second - time.offsetSeconds
    }

    private static func format(unixSeconds: Int64, fraction: String) -> String {
        let seconds = min(max(unixSeconds, 0), maximumUnixSeconds)
        let date = CivilDate(daysSinceEpoch: seconds / 86_400)
        let secondOfDay = seconds % 86_400
        let time = String(unsafeUninitializedCapacity: 19) { buffer in
            var out = buffer.baseAddress!
            out = field(UInt64(date.year), 4, "-", out)
            out = field(UInt64(date.month), 2, "-", out)
            out = field(UInt64(date.day), 2, "T", out)
            out = field(UInt64(secondOfDay / 3600), 2, ":", out)
            out = field(UInt64(secondOfDay % 3600 / 60), 2, ":", out)
            out = PaddedDecimal.write(UInt64(secondOfDay % 60), width: 2, at: out)
            return out - buffer.baseAddress!
        }
        return time + fraction + "Z"
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
                  (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year),
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
}
