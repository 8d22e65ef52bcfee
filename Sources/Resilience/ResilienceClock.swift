import Essentials
import Synchronization

/// The time source of circuit breakers, retry deadlines and health-check schedules.
///
/// Only differences between readings matter, so a monotonic clock is the right one: it never steps backwards.
public protocol ResilienceClock: Sendable {
    /// Nanoseconds since an arbitrary fixed origin (CLOCK_MONOTONIC for the real clock). Never negative.
    func nowNanoseconds() -> Int64
}

/// The system's monotonic clock (``SystemTime/monotonicNanoseconds()``).
public struct MonotonicClock: ResilienceClock {
    /// Creates the clock.
    public init() {}

    /// Nanoseconds since boot.
    public func nowNanoseconds() -> Int64 {
        SystemTime.monotonicNanoseconds()
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
        now.wrappingAdd(max(0, duration.wholeNanoseconds), ordering: .releasing)
    }
}
