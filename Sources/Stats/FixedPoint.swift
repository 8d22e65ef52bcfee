/// Decimal rendering of integer quantities without floating point or Foundation.
enum FixedPoint {
    /// `value / 10^decimals` with exactly `decimals` digits after the point, e.g. `(1234, 3)` → `1.234`.
    static func string(_ value: UInt64, decimals: Int) -> String {
        guard decimals > 0 else { return String(value) }
        var divisor: UInt64 = 1
        for _ in 0..<decimals { divisor *= 10 }
        let fraction = String(value % divisor)
        return String(value / divisor) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// Microseconds as milliseconds with 3 decimals: `1234` → `1.234`.
    static func millis(micros: UInt64) -> String { string(micros, decimals: 3) }

    /// Microseconds as seconds with 6 decimals: `1234` → `0.001234`.
    static func seconds(micros: UInt64) -> String { string(micros, decimals: 6) }

    /// Non-negative seconds with 3 decimals (negative and non-finite values become 0).
    static func seconds(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0.000" }
        return string(UInt64((seconds * 1000).rounded()), decimals: 3)
    }
}
