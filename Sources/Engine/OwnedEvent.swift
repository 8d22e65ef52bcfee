internal import CLibevent

/// One libevent `struct event`, unregistered and freed exactly once: by ``free()``, or when its
/// owner (a watcher or timer) goes away.
final class OwnedEvent {
    private(set) var pointer: OpaquePointer?

    init(_ pointer: OpaquePointer?) { self.pointer = pointer }

    func free() {
        guard let pointer else { return }
        event_del(pointer)
        event_free(pointer)
        self.pointer = nil
    }

    deinit { free() }
}
