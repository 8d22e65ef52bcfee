import Synchronization

/// Counters and switches shared by every connection thread.
final class ServerState: Sendable {
    struct Counters {
        var hits = 0
        var connectionsAccepted = 0
        var connectionsOpen = 0
        var healthy = true
        /// The next `failNextCount` counted requests are answered with `failNextStatus`.
        var failNextCount = 0
        var failNextStatus = 503
    }

    private let counters = Mutex(Counters())

    func read() -> Counters { counters.withLock { $0 } }

    func update<T>(_ body: (inout Counters) -> T) -> T { counters.withLock { body(&$0) } }

    /// Counts a request and says whether it must fail on demand (and with which status).
    func countRequest() -> Int? {
        counters.withLock { c in
            c.hits += 1
            guard c.failNextCount > 0 else { return nil }
            c.failNextCount -= 1
            return c.failNextStatus
        }
    }
}
