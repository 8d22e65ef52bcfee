#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The two system clocks sluice reads, behind the one `clock_gettime` call in the code base.
///
/// `monotonic` never steps backwards and is the clock of timers, durations and deadlines; `wall` is Unix time,
/// for timestamps that leave the process (logs, envelopes, rate-limit windows) and may step either way.
public enum SystemTime {
    /// Nanoseconds of `CLOCK_MONOTONIC` (since an arbitrary origin, in practice boot). Never negative.
    @inlinable
    public static func monotonicNanoseconds() -> Int64 {
        read(CLOCK_MONOTONIC)
    }

    /// Unix time in nanoseconds (`CLOCK_REALTIME`).
    @inlinable
    public static func wallNanoseconds() -> Int64 {
        read(CLOCK_REALTIME)
    }

    /// Unix time in whole milliseconds (`CLOCK_REALTIME`).
    @inlinable
    public static func wallMilliseconds() -> Int64 {
        wallNanoseconds() / 1_000_000
    }

    /// Unix time in whole seconds (`CLOCK_REALTIME`).
    @inlinable
    public static func wallSeconds() -> Int64 {
        wallNanoseconds() / 1_000_000_000
    }

    @inlinable
    static func read(_ clock: clockid_t) -> Int64 {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return Int64(spec.tv_sec) &* 1_000_000_000 &+ Int64(spec.tv_nsec)
    }
}
