import Histogram

/// A latency distribution in microseconds: an HdrHistogram (1 µs … 60 s, 3 significant digits) plus the exact
/// sum of every recorded value (for Prometheus `_sum`).
///
/// Values above 60 s are clamped to 60 s so that every recorded request is counted (`count` always equals the
/// number of `record` calls). Two distributions merge with HdrHistogram's `add`, which sums the bucket arrays.
public struct LatencyDistribution: Sendable {
    /// The highest value kept apart, in microseconds (60 s); larger values are recorded as this.
    public static let highestTrackableMicros: UInt64 = 60_000_000

    /// The underlying histogram (values in microseconds).
    public private(set) var histogram: Histogram<UInt64>
    /// The exact sum of all recorded values (after clamping), in microseconds.
    public private(set) var sumMicros: UInt64 = 0

    /// An empty distribution.
    public init() {
        histogram = Histogram<UInt64>(
            lowestDiscernibleValue: 1,
            highestTrackableValue: Self.highestTrackableMicros,
            numberOfSignificantValueDigits: .three)
    }

    /// Records one value. Cost: one histogram index computation and two additions.
    @inline(__always)
    public mutating func record(micros: UInt64) {
        let value = micros < Self.highestTrackableMicros ? micros : Self.highestTrackableMicros
        histogram.record(value)
        sumMicros &+= value
    }

    /// Adds every value recorded in `other` to this distribution.
    public mutating func add(_ other: LatencyDistribution) {
        histogram.add(other.histogram)
        sumMicros &+= other.sumMicros
    }

    /// A copy that owns its own storage, so that neither side pays a copy-on-write copy later.
    ///
    /// `publish()` runs this on the worker's thread, off the request path; without it the next `record` on the
    /// worker would copy the whole bucket array (~140 KB) in the middle of a request.
    func detachedCopy() -> LatencyDistribution {
        var copy = LatencyDistribution()
        copy.add(self)
        return copy
    }

    /// How many values were recorded.
    public var count: UInt64 { histogram.totalCount }

    /// The value at `percentile` (0…100) in microseconds, at histogram precision; 0 when empty.
    public func percentileMicros(_ percentile: Double) -> UInt64 {
        count == 0 ? 0 : histogram.valueAtPercentile(percentile)
    }

    /// The largest recorded value in microseconds (exact, after clamping); 0 when empty.
    public var maxMicros: UInt64 { count == 0 ? 0 : histogram.maxRecorded }

    /// How many recorded values are at most `micros` (within histogram precision: values equivalent to the bound
    /// at 3 significant digits count as at or below it).
    public func countAtOrBelow(micros: UInt64) -> UInt64 {
        count == 0 ? 0 : histogram.count(within: 0...micros)
    }
}
