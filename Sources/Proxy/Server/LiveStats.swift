import Engine
import Stats

/// The live figures of `/stats` and `/metrics` (SPEC §8), read on the control loop.
///
/// A read first takes the gauges (circuit states, health, tracked keys), then asks every running worker, through
/// its loop's inbox, to publish its figures to the board, and answers once all have. So a read counts every request
/// answered before it (a worker counts a request in the same loop callback that queues its last byte, and the
/// request to publish runs after that callback), and a circuit shown `open` comes with the failures that opened it
/// (a worker counts a failed try in the same call that reports it to the circuit breaker, before it can publish).
/// Nothing is locked or atomically updated per request: the cost is one copy of each worker's figures per read,
/// on the worker's thread (about 140 µs).
///
/// Reads that arrive while figures are being gathered wait for the next gathering, which starts as soon as that one
/// ends: however many admin clients read at once, each worker copies its figures at most once at a time. A worker
/// that stopped (its loop no longer runs jobs) has published its final figures; a gathering that a worker leaves
/// unanswered for `timeout` (it stopped meanwhile) uses what the board holds.
final class LiveStats {
    /// A worker that can be asked to publish: its loop's inbox and the worker, for use on that loop only.
    struct Source {
        let handle: EventLoopHandle
        let worker: LoopBound<Worker>
    }

    typealias Reader = (StatsReport) -> Void

    private let loop: EventLoop
    private let board: StatsBoard
    private let sources: () -> [Source]
    private let gauges: () -> StatsGauges
    private let timeoutNanoseconds: Int64

    /// The readers the gathering in progress will answer, with its gauges; nil when none is in progress.
    private var gathering: (readers: [Reader], gauges: StatsGauges, outstanding: Int)?
    /// Readers that arrived during the gathering in progress.
    private var waiting: [Reader] = []
    /// Tells the answers of a gathering that timed out from those of the current one.
    private var generation = 0
    private lazy var timer = LoopTimer(loop: loop) { [unowned self] in self.finish() }

    /// - Parameters:
    ///   - sources: the running workers, at the time of a gathering.
    ///   - gauges: what the control loop knows itself, read before the workers are asked.
    init(loop: EventLoop, board: StatsBoard, timeoutNanoseconds: Int64 = 2_000_000_000,
         sources: @escaping () -> [Source], gauges: @escaping () -> StatsGauges) {
        self.loop = loop
        self.board = board
        self.timeoutNanoseconds = timeoutNanoseconds
        self.sources = sources
        self.gauges = gauges
    }

    /// Calls `reader` on the control loop with figures that count every request answered before this call.
    func read(_ reader: @escaping Reader) {
        if gathering != nil {
            waiting.append(reader)
        } else {
            gather(for: [reader])
        }
    }

    private func gather(for readers: [Reader]) {
        generation &+= 1
        let sources = self.sources()
        gathering = (readers, gauges(), sources.count)
        guard !sources.isEmpty else { return finish() }
        timer.arm(afterNanoseconds: timeoutNanoseconds)
        let answer = loop.handle
        let me = LoopBound(self)
        let generation = self.generation
        for source in sources {
            let worker = source.worker
            source.handle.execute {
                worker.unwrapped.stats.publish()
                answer.execute { me.unwrapped.answered(generation: generation) }
            }
        }
    }

    private func answered(generation: Int) {
        guard generation == self.generation, var current = gathering else { return }
        current.outstanding -= 1
        gathering = current
        if current.outstanding <= 0 { finish() }
    }

    private func finish() {
        // Also the timeout's action: a timeout left pending by a gathering that ended finds none (each gathering
        // re-arms it for itself).
        guard let current = gathering else { return }
        gathering = nil
        let next = waiting
        waiting = []
        let report = board.report(gauges: current.gauges)
        for reader in current.readers { reader(report) }
        guard !next.isEmpty else { return }
        if gathering == nil { gather(for: next) } else { waiting.append(contentsOf: next) }
    }

    /// Stops the timeout timer (the control loop is ending).
    func close() {
        timer.close()
    }
}
