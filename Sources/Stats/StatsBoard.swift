import Synchronization

/// The place where workers publish their figures and the admin endpoint reads them.
///
/// One slot per worker behind a `Mutex`. A worker takes the lock only when it publishes — when the admin endpoint
/// asks it to, through its event loop, and once when it stops — never per request; the admin reader takes it only to
/// copy the slots out (copy-on-write references, no bucket copying under the lock) and merges outside it. A reader
/// that waits for every running worker to publish first sees every request those workers answered before it asked.
public final class StatsBoard: Sendable {
    private let slots: Mutex<[StatsSnapshot?]>

    /// A board for `workerCount` workers, numbered from 0.
    public init(workerCount: Int) {
        slots = Mutex([StatsSnapshot?](repeating: nil, count: max(0, workerCount)))
    }

    /// Stores `snapshot` as the latest of `worker`. The replaced snapshot is released outside the lock.
    public func store(_ snapshot: StatsSnapshot, worker: Int) {
        let replaced: StatsSnapshot? = slots.withLock { slots in
            precondition(slots.indices.contains(worker), "StatsBoard: no slot for worker \(worker)")
            let old = slots[worker]
            slots[worker] = snapshot
            return old
        }
        _ = replaced
    }

    /// The latest snapshot of `worker`, if it has published one.
    public func latest(worker: Int) -> StatsSnapshot? {
        slots.withLock { $0.indices.contains(worker) ? $0[worker] : nil }
    }

    /// The merge of the latest snapshots of all workers (workers that never published count as empty).
    public func merged() -> StatsSnapshot {
        let latest = slots.withLock { $0 }
        return StatsSnapshot.merging(latest.compactMap { $0 })
    }

    /// A report of the merged figures with the caller's `gauges`, ready for `statsJSON()` or `prometheusText()`.
    public func report(gauges: StatsGauges) -> StatsReport {
        StatsReport(snapshot: merged(), gauges: gauges)
    }
}
