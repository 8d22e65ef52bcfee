internal import CLibevent

/// A libevent signal event (persistent) that calls its action on the loop's thread.
/// Only one loop of the process should watch signals.
public final class SignalWatcher {
    private var event = OwnedEvent(nil)
    private let action: (Int32) -> Void
    public let signal: Int32

    public init(loop: EventLoop, signal: Int32, action: @escaping (Int32) -> Void) {
        self.signal = signal
        self.action = action
        event = OwnedEvent(sluice_signal_new(loop.base, signal, { fd, _, arg in
            guard let arg else { return }
            Unmanaged<SignalWatcher>.fromOpaque(arg).takeUnretainedValue().action(fd)
        }, Unmanaged.passUnretained(self).toOpaque()))
        event_add(event.pointer, nil)
    }

    /// Stops watching the signal.
    public func cancel() {
        event.free()
    }}
