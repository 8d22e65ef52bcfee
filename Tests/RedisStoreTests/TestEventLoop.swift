import CHiredis
import Glibc

/// An `event_base` run on the test's own thread until what a test waits for has happened.
///
/// libevent comes through CHiredis (which includes `event2/event.h`), not CLibevent: CLibevent
/// defines `_GNU_SOURCE`, so its `fd_set` differs from the one XCTest's Foundation declares, and
/// clang rejects a target that loads both.
final class TestEventLoop {
    /// The `event_base *` a client is given.
    let base: OpaquePointer

    init() {
        signal(SIGPIPE, SIG_IGN)  // as sluice does: hiredis writes to sockets Redis may have closed
        base = event_base_new()
    }

    deinit {
        event_base_free(base)
    }

    /// Runs the loop until `done()` holds or `limit` has passed; returns `done()`. `done` is checked
    /// after each batch of callbacks, and at least every 5 ms.
    @discardableResult
    func run(for limit: Duration = .seconds(5), until done: () -> Bool = { false }) -> Bool {
        let deadline = ContinuousClock.now + limit
        while !done() && ContinuousClock.now < deadline {
            var slice = timeval(tv_sec: 0, tv_usec: 5_000)
            event_base_loopexit(base, &slice)
            event_base_loop(base, EVLOOP_ONCE)
        }
        return done()
    }
}
