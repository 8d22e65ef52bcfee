import Engine
import Glibc

/// An Engine `EventLoop` run on the test's own thread until what a test waits for has happened.
final class TestEventLoop {
    /// The loop a client is given.
    let loop = EventLoop()

    init() {
        signal(SIGPIPE, SIG_IGN)  // as sluice does: hiredis writes to sockets Redis may have closed
    }

    /// Runs the loop until `done()` holds or `limit` has passed; returns `done()`. `done` is checked
    /// every millisecond.
    @discardableResult
    func run(for limit: Duration = .seconds(5), until done: () -> Bool = { false }) -> Bool {
        let deadline = ContinuousClock.now + limit
        if done() { return true }
        withoutActuallyEscaping(done) { done in
            let check = RepeatingTimer(loop: loop, every: 1_000_000) { [loop] in
                if done() || ContinuousClock.now >= deadline { loop.stop() }
            }
            loop.run()
            check.cancel()
        }
        return done()
    }
}
