/// Names used by the statistics: error shapes of the normaliser and HTTP status classes.
public enum StatsNames {
    /// The normaliser's shape names (SPEC §7), in the order of `StatsSnapshot.rewrittenByShape`.
    public static let shapes: [String] = ["nestjs", "error_string", "error_object", "problem_json", "other"]

    /// Status class names, in the order of `StatsSnapshot.requestsByClass`.
    public static let statusClasses: [String] = ["1xx", "2xx", "3xx", "4xx", "5xx"]

    /// The index of `shape` in `shapes`; unknown names count as `other`.
    @inline(__always)
    static func shapeIndex(_ shape: String) -> Int {
        switch shape {
        case "nestjs": return 0
        case "error_string": return 1
        case "error_object": return 2
        case "problem_json": return 3
        default: return 4
        }
    }
}
