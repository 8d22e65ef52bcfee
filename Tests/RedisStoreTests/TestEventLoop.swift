import CLibevent
import Glibc

/// An `event_base` run on the test's own thread until what a test waits for has happened.
final class TestEventLoop {
    let base: OpaquePointer

    init() {
        signal(SIGPIPE, SIG_IGN)  // as sluice does: hiredis writes to a socket Redis may have closed
        base = event_base_new()
    }

    deinit {
        event_base_free(base)
    }

    /// Runs the loop until `done()` holds or `limit` has passed; returns `done()`.
    @discardableResult
    func run(for limit: Duration = .seconds(5), until done: () -> Bool = { false }) -> Bool {
        let expired = Flag()
        let timer = sluice_timer_new(base, { _, _, argument in
            Unmanaged<Flag>.fromOpaque(argument!).takeUnretainedValue().isSet = true
        }, Unmanaged.passUnretained(expired).toOpaque())
        let (seconds, attoseconds) = limit.components
        sluice_event_add_usec(timer, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        while !done() && !expired.isSet {
            event_base_loop(base, EVLOOP_ONCE)
        }
        event_free(timer)
        return done()
    }

    private final class Flag {
        var isSet = false
    }
}
