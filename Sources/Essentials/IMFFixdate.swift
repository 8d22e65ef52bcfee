/// The HTTP `Date` format (RFC 9110 §5.6.7 IMF-fixdate): `Sat, 21 Nov 2026 10:30:00 GMT`.
public enum IMFFixdate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The IMF-fixdate of a Unix time in seconds (clamped to years 1970 to 9999).
    public static func format(unixSeconds: Int64) -> String {
        let seconds = min(max(unixSeconds, 0), RFC3339.maximumUnixSeconds)
        let date = CivilDate(daysSinceEpoch: seconds / 86_400)
        let secondOfDay = seconds % 86_400
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[date.weekday]), \(two(date.day)) \(months[Int(date.month) - 1]) \(date.year) "
            + "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) GMT"
    }
}

/// The current IMF-fixdate, formatted at most once per second: one per event loop, for the `Date` header of
/// the responses sluice writes itself. Not thread-safe (loop-confined).
public final class CurrentHTTPDate {
    private var second: Int64 = -1
    private var text = ""

    /// Creates the cache; the first ``current`` formats.
    public init() {}

    /// `Sat, 21 Nov 2026 10:30:00 GMT` for the current second of the wall clock.
    public var current: String {
        let now = SystemTime.wallSeconds()
        if now != second {
            second = now
            text = IMFFixdate.format(unixSeconds: now)
        }
        return text
    }
}
