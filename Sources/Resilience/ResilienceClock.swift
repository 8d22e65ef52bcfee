#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The time source of circuit breakers, retry deadlines and health-check schedules.
///
/// Only differences between readings matter, so a monotonic clock is the right one: it never steps backwards.
public protocol ResilienceClock: Sendable {
    /// Nanoseconds since an arbitrary fixed origin (CLOCK_MONOTONIC for the real clock). Never negative.
    func nowNanoseconds() -> Int64
}

/// The system's monotonic clock (`clock_gettime(CLOCK_MONOTONIC)`).
public struct MonotonicClock: ResilienceClock {
    /// Creates the clock.
    public init() {}

    /// Nanoseconds since boot.
    public func nowNanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) &* 1_000_000_000 &+ Int64(spec.tv_nsec)
    }
}

/// A clock that only moves when told to, for tests. Safe to share between threads.
public final class ManualResilienceClock: ResilienceClock {
    private let now: Atomic<Int64>

    /// Starts at `nanoseconds` (default: one hour after the origin, so that subtracting stays positive).
    public init(nanoseconds: Int64 = 3_600 * 1_000_000_000) {
        now = Atomic(nanoseconds)
    }

    /// The current manual time.
    public func nowNanoseconds() -> Int64 {
        now.load(ordering: .acquiring)
    }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        now.wrappingAdd(duration.resilienceNanoseconds, ordering: .releasing)
    }
}

extension Duration {
    /// Whole nanoseconds, clamped to `0...Int64.max` (negative durations count as zero).
    var resilienceNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds < 0) { return 0 }
        if seconds >= Int64.max / 1_000_000_000 { return Int64.max }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
