internal import CLibevent

/// Receives readiness of a socket registered with an ``IOWatcher``.
public protocol IOHandler: AnyObject {
    /// The socket became readable and/or writable (edge-triggered: read or write until
    /// `EAGAIN`, or remember that more is pending).
    func ioReady(_ flags: EventFlags)
}

/// A socket registered once with its loop as `EV_READ|EV_WRITE|EV_PERSIST|EV_ET`.
///
/// The watcher does not retain its handler (the handler owns the watcher); it must be
/// closed before the handler goes away.
public final class IOWatcher {
    private var event = OwnedEvent(nil)
    /// The watched file descriptor.
    public let fd: Int32

    /// Registers `fd` for edge-triggered read and write readiness, and for the peer's close
    /// (`EV_CLOSED`, epoll's `EPOLLRDHUP`), which a short read alone cannot reveal.
    public init(loop: EventLoop, fd: Int32, handler: IOHandler, flags: EventFlags = [.read, .write, .closed, .persist, .edgeTriggered]) {
        self.fd = fd
        let context = Unmanaged.passUnretained(handler as AnyObject).toOpaque()
        event = OwnedEvent(event_new(loop.base, fd, flags.rawValue, { _, what, arg in
            guard let arg else { return }
            let handler = Unmanaged<AnyObject>.fromOpaque(arg).takeUnretainedValue() as! IOHandler
            handler.ioReady(EventFlags(rawValue: what))
        }, context))
        event_add(event.pointer, nil)
    }

    /// Unregisters and frees the event; does not close the descriptor.
    public func cancel() {
        event.free()
    }}
