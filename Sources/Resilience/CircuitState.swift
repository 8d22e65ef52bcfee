/// The state of one target's circuit breaker (SPEC §6), as `/stats` names it.
public enum CircuitState: String, Sendable, Equatable, CaseIterable {
    /// Requests flow; consecutive failed tries are counted.
    case closed
    /// `failures` consecutive tries failed: requests are refused at once until `open_for` has passed.
    case open
    /// `open_for` has passed: exactly one trial request is (or may be) in flight; its outcome decides.
    case halfOpen = "half_open"
}

/// The circuit breaker of one target packed into one `Int64`, so that every transition is a single
/// compare-and-exchange and "take the trial slot" is atomic across worker threads.
///
/// The low two bits are the tag, the rest a monotonic time in nanoseconds:
/// - `0`: closed;
/// - tag 1: open until the time (at or after it: half-open with the trial slot free);
/// - tag 2: half-open with a trial taken at the time (it expires after the trial timeout).
struct CircuitWord: Equatable {
    let raw: Int64

    /// The largest time the packing can hold (about 36 years of nanoseconds).
    static let maxTime = Int64.max >> 2

    static let closed = CircuitWord(raw: 0)

    /// Open until `time`.
    static func open(until time: Int64) -> CircuitWord {
        CircuitWord(raw: (min(max(time, 0), maxTime) << 2) | 1)
    }

    /// Half-open with the trial slot taken at `time`.
    static func trial(since time: Int64) -> CircuitWord {
        CircuitWord(raw: (min(max(time, 0), maxTime) << 2) | 2)
    }

    init(raw: Int64) { self.raw = raw }

    var isClosed: Bool { raw == 0 }
    var isOpen: Bool { raw & 3 == 1 }
    var isTrial: Bool { raw & 3 == 2 }
    /// The time of an open or trial word.
    var time: Int64 { raw >> 2 }

    /// What `/stats` shows at `now`.
    func state(now: Int64) -> CircuitState {
        if isClosed { return .closed }
        if isOpen && now < time { return .open }
        return .halfOpen
    }
}

extension Int64 {
    /// `self + other` clamped to `Int64.max` (both are non-negative nanosecond counts).
    func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
