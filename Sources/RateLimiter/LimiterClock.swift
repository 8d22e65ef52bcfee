import Essentials
import Synchronization

/// The time source of the limiter.
public protocol LimiterClock: Sendable {
    /// Wall-clock Unix time in nanoseconds (CLOCK_REALTIME). It may step backwards: the limiter clamps.
    func nowNanoseconds() -> Int64
}

/// The system's real-time clock (``SystemTime/wallNanoseconds()``).
public struct SystemClock: LimiterClock {
    /// Creates the clock.
    public init() {}

    /// Current Unix time in nanoseconds.
    public func nowNanoseconds() -> Int64 {
        SystemTime.wallNanoseconds()
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
        let delta = duration.wholeNanoseconds
        now.withLock { $0 &+= delta }
    }

    /// Sets the clock to `nanoseconds` since the Unix epoch.
    public func set(_ nanoseconds: Int64) {
        now.withLock { $0 = nanoseconds }
    }
}
