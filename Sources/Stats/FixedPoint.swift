/// Decimal rendering of integer quantities straight into bytes, without floating point or Foundation.
enum FixedPoint {
    /// The most bytes `writeDecimal` produces (a sign and 20 digits).
    static let maxDecimalCount = 21

    /// Writes `value` in decimal, left-padded with zeros to `width` digits (at most 20).
    static func writeDecimal(_ value: UInt64, width: Int = 1, to cursor: inout ByteCursor) {
        var digits = 1
        var limit: UInt64 = 10
        while digits < 20 && value >= limit {
            digits += 1
            limit = limit &* 10
        }
        for _ in digits..<max(digits, min(width, 20)) { cursor.put(UInt8(ascii: "0")) }
        var divisor: UInt64 = 1
        for _ in 1..<digits { divisor &*= 10 }
        var rest = value
        while divisor > 0 {
            cursor.put(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Writes a signed `value` in decimal.
    static func writeDecimal(_ value: Int, to cursor: inout ByteCursor) {
        if value < 0 { cursor.put(UInt8(ascii: "-")) }
        writeDecimal(UInt64(value.magnitude), to: &cursor)
    }

    /// Writes `value / 10^decimals` with exactly `decimals` (at most 19) digits after the point: `(1234, 3)` →
    /// `1.234`. At most 41 bytes.
    static func write(_ value: UInt64, decimals: Int, to cursor: inout ByteCursor) {
        var divisor: UInt64 = 1
        for _ in 0..<decimals { divisor *= 10 }
        writeDecimal(value / divisor, to: &cursor)
        guard decimals > 0 else { return }
        cursor.put(UInt8(ascii: "."))
        writeDecimal(value % divisor, width: decimals, to: &cursor)
    }

    /// `value / 10^decimals` as text, e.g. `(1234, 3)` → `1.234`.
    static func string(_ value: UInt64, decimals: Int) -> String {
        String(decoding: ByteCursor.bytes(capacity: 42) { write(value, decimals: decimals, to: &$0) }, as: UTF8.self)
    }

    /// Microseconds as milliseconds with 3 decimals: `1234` → `1.234`.
    static func millis(micros: UInt64) -> String { string(micros, decimals: 3) }

    /// Microseconds as seconds with 6 decimals: `1234` → `0.001234`.
    static func seconds(micros: UInt64) -> String { string(micros, decimals: 6) }

    /// Non-negative seconds with 3 decimals (negative and non-finite values become 0).
    static func seconds(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0.000" }
        return string(UInt64((min(seconds, 1e15) * 1000).rounded()), decimals: 3)
    }
}
