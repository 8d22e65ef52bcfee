#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The time source of the limiter.
public protocol LimiterClock: Sendable {
    /// Wall-clock Unix time in nanoseconds (CLOCK_REALTIME). It may step backwards: the limiter clamps.
    func nowNanoseconds() -> Int64
}

/// The system's real-time clock (`clock_gettime(CLOCK_REALTIME)`).
public struct SystemClock: LimiterClock {
    /// Creates the clock.
    public init() {}

    /// Current Unix time in nanoseconds.
    public func nowNanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) &* 1_000_000_000 &+ Int64(spec.tv_nsec)
    }
}

/// The kernel's coarse real-time clock (`CLOCK_REALTIME_COARSE`): a reading costs about 5 ns
/// instead of about 25 ns, at the resolution of a kernel tick (1–10 ms), which is ample for limits
/// measured in seconds, minutes and hours.
public struct CoarseSystemClock: LimiterClock {
    /// Creates the clock.
    public init() {}

    /// Current Unix time in nanoseconds, to the last kernel tick.
    public func nowNanoseconds() -> Int64 {
        var spec = timespec()
        #if os(Linux)
        clock_gettime(CLOCK_REALTIME_COARSE, &spec)
        #else
        clock_gettime(CLOCK_REALTIME, &spec)
        #endif
        return Int64(spec.tv_sec) &* 1_000_000_000 &+ Int64(spec.tv_nsec)
    }
}

/// A clock that only moves when told to, for tests. Safe to share between threads.
public final class ManualClock: LimiterClock {
    private let now: Mutex<Int64>

    /// Starts at `nanoseconds` since the Unix epoch (default 2026-11-21T10:30:00Z).
    public init(nanoseconds: Int64 = 1_795_257_000 * 1_000_000_000) {
        now = Mutex(nanoseconds)
    }

    /// The current manual time.
    public func nowNanoseconds() -> Int64 {
        now.withLock { $0 }
    }

    /// Moves the clock by `duration` (negative durations step it backwards).
    public func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let delta = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        now.withLock { $0 += delta }
    }

    /// Sets the clock to `nanoseconds` since the Unix epoch.
    public func set(_ nanoseconds: Int64) {
        now.withLock { $0 = nanoseconds }
    }
}
