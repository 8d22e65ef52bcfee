internal import CLibevent

/// A one-shot libevent timer that calls its action on the loop's thread.
///
/// Re-arming is cheap when it is lazy: keep a deadline, arm once, and on firing re-arm for
/// what is left (``arm(notLaterThan:now:)``). The action must not retain the timer's owner strongly.
/// When libevent cannot allocate the event, arming does nothing and ``isArmed`` stays false.
public final class LoopTimer {
    private var event = OwnedEvent(nil)
    private let action: () -> Void
    /// Whether the timer is pending.
    public private(set) var isArmed = false
    /// Monotonic time (``EventLoop/monotonicNanoseconds()``) it fires at, when armed.
    public private(set) var firesAt: Int64 = .max

    /// A timer on `loop`, not armed yet.
    public init(loop: EventLoop, action: @escaping () -> Void) {
        self.action = action
        event = OwnedEvent(sluice_timer_new(loop.base, { _, _, arg in
            guard let arg else { return }
            let timer = Unmanaged<LoopTimer>.fromOpaque(arg).takeUnretainedValue()
            timer.isArmed = false
            timer.firesAt = .max
            timer.action()
        }, Unmanaged.passUnretained(self).toOpaque()))
    }

    /// Fires `nanoseconds` from now (replacing a pending schedule).
    public func arm(afterNanoseconds nanoseconds: Int64) {
        guard let event = event.pointer else { return }
        sluice_event_add_usec(event, max(0, nanoseconds / 1000))
        isArmed = true
        firesAt = EventLoop.monotonicNanoseconds() + max(0, nanoseconds)
    }

    /// Makes sure the timer fires no later than `deadline` (monotonic): a pending schedule that
    /// is already early enough is left alone (cheap re-arming: the owner checks its own deadline
    /// when the timer fires and arms again for what is left).
    public func arm(notLaterThan deadline: Int64, now: Int64) {
        if isArmed && firesAt <= deadline { return }
        arm(afterNanoseconds: deadline - now)
    }

    /// Cancels and frees the timer; it never fires again.
    public func close() {
        event.free()
        isArmed = false
        firesAt = .max
    }
}
