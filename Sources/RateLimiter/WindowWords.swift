import Essentials

/// Windows in words for people: the largest unit that divides the window exactly, so
/// `1 hour`, `2 hours`, `1 minute`, `30 seconds`, `90 seconds` (not "1.5 minutes"), `1 day`,
/// `1500 milliseconds`.
public enum WindowWords {
    /// `duration` in words.
    public static func describe(_ duration: Duration) -> String {
        let millis = duration.wholeMilliseconds
        let units: [(Int64, String)] = [
            (86_400_000, "day"), (3_600_000, "hour"), (60_000, "minute"), (1_000, "second"), (1, "millisecond"),
        ]
        for (size, name) in units where millis >= size && millis % size == 0 {
            return count(millis / size, name)
        }
        return count(millis, "millisecond")
    }

    /// `1 second`, `6 seconds`.
    public static func count(_ value: Int64, _ unit: String) -> String {
        value == 1 ? "1 \(unit)" : "\(value) \(unit)s"
    }
}
