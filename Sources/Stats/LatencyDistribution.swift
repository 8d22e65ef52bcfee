import Histogram

/// A latency distribution in microseconds: an HdrHistogram (1 µs … 60 s, 3 significant digits) for percentiles,
/// plus exact counts per Prometheus bucket and the exact sum of every recorded value (for `_bucket` and `_sum`).
///
/// The Prometheus buckets are counted at record time (a few compares) rather than derived from the histogram at
/// scrape time: that keeps `le` exact and a scrape cheap (the histogram's read API is generic code that is not
/// specialised across modules, about 13 ns per bucket for 17,408 buckets).
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
    /// Values per Prometheus bucket, not cumulative: index i counts values in (bound[i-1], bound[i]] of
    /// `bucketBoundsMicros`; the last index counts values above the last bound.
    public private(set) var bucketCounts = [UInt64](repeating: 0, count: 14)

    /// Upper bounds of the Prometheus buckets in microseconds (1 ms … 10 s); `+Inf` is implied.
    public static let bucketBoundsMicros: [UInt64] = [
        1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000,
        10_000_000,
    ]

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
        bucketCounts[Self.bucketIndex(value)] &+= 1
    }

    /// The index in `bucketCounts` for `micros` (kept in step with `bucketBoundsMicros`).
    @inline(__always)
    static func bucketIndex(_ micros: UInt64) -> Int {
        if micros <= 10_000 { return micros <= 1_000 ? 0 : micros <= 2_500 ? 1 : micros <= 5_000 ? 2 : 3 }
        if micros <= 500_000 { return micros <= 25_000 ? 4 : micros <= 50_000 ? 5 : micros <= 100_000 ? 6 : micros <= 250_000 ? 7 : 8 }
        return micros <= 1_000_000 ? 9 : micros <= 2_500_000 ? 10 : micros <= 5_000_000 ? 11 : micros <= 10_000_000 ? 12 : 13
    }

    /// Adds every value recorded in `other` to this distribution.
    public mutating func add(_ other: LatencyDistribution) {
        histogram.add(other.histogram)
        sumMicros &+= other.sumMicros
        for index in bucketCounts.indices { bucketCounts[index] &+= other.bucketCounts[index] }
    }

    /// A copy that owns its own storage, so that neither side pays a copy-on-write copy later.
    ///
    /// `publish()` runs this on the worker's thread, off the request path; without it the next `record` on the
    /// worker would copy the whole bucket array (~140 KB) in the middle of a request. Recording 0 with count 0
    /// changes nothing but is a mutation, so the copy gets its own (memcpy'd) storage; building a new histogram
    /// and adding would run the library's unspecialised initialiser instead, ten times slower.
    func detachedCopy() -> LatencyDistribution {
        var copy = self
        copy.histogram.record(0, count: 0)
        copy.bucketCounts[0] &+= 0
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

    /// Cumulative Prometheus bucket counts: values at most `bucketBoundsMicros[i]`, exact.
    public var cumulativeBucketCounts: [UInt64] {
        var total: UInt64 = 0
        return bucketCounts.dropLast().map { count in
            total &+= count
            return total
        }
    }
}
