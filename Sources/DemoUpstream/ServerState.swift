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
        /// Percentage of counted requests that get a random fault.
        var chaosPercent = 0
        /// Every request outside /admin/ is read and never answered.
        var stalled = false
    }

    private let counters = Mutex(Counters())

    func read() -> Counters { counters.withLock { $0 } }

    func update<T>(_ body: (inout Counters) -> T) -> T { counters.withLock { body(&$0) } }

    /// What to do with a counted request.
    enum Disposition {
        case normal
        /// Answer with this status (`/admin/fail-next`).
        case failWith(Int)
        /// Inject a random fault; the roll (0..<100) picks which (`/admin/chaos`).
        case chaos(Int)
    }

    /// Counts a request and says whether it must fail on demand or by chance.
    func countRequest() -> Disposition {
        counters.withLock { c in
            c.hits += 1
            if c.failNextCount > 0 {
                c.failNextCount -= 1
                return .failWith(c.failNextStatus)
            }
            if c.chaosPercent > 0 && Int.random(in: 0..<100) < c.chaosPercent {
                return .chaos(Int.random(in: 0..<100))
            }
            return .normal
        }
    }
}
