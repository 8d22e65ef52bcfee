extension Duration {
    /// Whole nanoseconds, truncated toward zero; saturates at `Int64.min`/`Int64.max` instead of trapping.
    @inlinable
    public var wholeNanoseconds: Int64 { whole(unitsPerSecond: 1_000_000_000) }

    /// Whole microseconds, truncated toward zero; saturates instead of trapping.
    @inlinable
    public var wholeMicroseconds: Int64 { whole(unitsPerSecond: 1_000_000) }

    /// Whole milliseconds, truncated toward zero; saturates instead of trapping.
    @inlinable
    public var wholeMilliseconds: Int64 { whole(unitsPerSecond: 1_000) }

    /// The duration in units of `1 / unitsPerSecond` seconds (`unitsPerSecond` divides 10^18).
    @inlinable
    func whole(unitsPerSecond: Int64) -> Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: unitsPerSecond)
        if overflow { return seconds < 0 ? Int64.min : Int64.max }
        let (sum, sumOverflow) = scaled.addingReportingOverflow(attoseconds / (1_000_000_000_000_000_000 / unitsPerSecond))
        if sumOverflow { return seconds < 0 ? Int64.min : Int64.max }
        return sum
    }
}
