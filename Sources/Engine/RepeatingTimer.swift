internal import CLibevent

/// A persistent libevent timer that calls its action every interval on the loop's thread.
public final class RepeatingTimer {
    private var event = OwnedEvent(nil)
    private let action: () -> Void

    /// Calls `action` every `nanoseconds` on `loop`'s thread, from now until ``cancel()`` or deinit.
    public init(loop: EventLoop, every nanoseconds: Int64, action: @escaping () -> Void) {
        self.action = action
        event = OwnedEvent(event_new(loop.base, -1, Int16(EV_PERSIST), { _, _, arg in
            guard let arg else { return }
            Unmanaged<RepeatingTimer>.fromOpaque(arg).takeUnretainedValue().action()
        }, Unmanaged.passUnretained(self).toOpaque()))
        sluice_event_add_usec(event.pointer, nanoseconds / 1000)
    }

    /// Stops and frees the timer.
    public func cancel() {
        event.free()
    }
}
