import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The hand-off between worker threads (appending lines) and the access log's flusher thread.
///
/// Appending takes the `Mutex` for one `append(contentsOf:)`; it never waits for I/O. Past `capBytes` of unflushed
/// lines (the destination is stuck) new lines are dropped and counted. The flusher is woken through a
/// non-blocking pipe when `thresholdBytes` are pending, and otherwise polls every flush interval.
final class AccessLogBuffer: Sendable {
    /// What the flusher takes in one go.
    struct Batch {
        /// Lines appended before a `reopen()` request: they go to the old file.
        var beforeReopen: [UInt8]
        /// Whether to reopen the destination between `beforeReopen` and `lines`.
        var reopen: Bool
        /// Lines to write (after the reopen, if any).
        var lines: [UInt8]
        /// Whether `close()` was requested: write this batch, then stop.
        var closing: Bool
    }

    private struct State {
        var pending: [UInt8] = []
        var beforeReopen: [UInt8] = []
        var reopenRequested = false
        var closing = false
        var closeDeadlineNanos: UInt64 = .max
        var wakeSent = false
        var spare: [UInt8] = []
        var counters = AccessLogWriter.Counters()
    }

    private let state = Mutex(State())
    private let thresholdBytes: Int
    private let capBytes: Int
    /// The wake-up pipe: the flusher polls `wakeReadFD`; writers write one byte to `wakeWriteFD`.
    let wakeReadFD: Int32
    private let wakeWriteFD: Int32

    init(thresholdBytes: Int, capBytes: Int) throws(AccessLogWriter.OpenError) {
        self.thresholdBytes = thresholdBytes
        self.capBytes = capBytes
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .init(path: "(wake-up pipe)", errno: errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeReadFD = fds[0]
        wakeWriteFD = fds[1]
    }

    deinit {
        close(wakeReadFD)
        close(wakeWriteFD)
    }

    /// Appends one complete line; drops it (counted) when closing or over the cap.
    func append(_ line: [UInt8]) {
        let wake = state.withLock { state -> Bool in
            guard !state.closing, state.pending.count + state.beforeReopen.count + line.count <= capBytes else {
                state.counters.droppedLines &+= 1
                return false
            }
            state.pending.append(contentsOf: line)
            guard state.pending.count >= thresholdBytes, !state.wakeSent else { return false }
            state.wakeSent = true
            return true
        }
        if wake { wakeFlusher() }
    }

    /// Marks the boundary: lines appended so far go to the current file, later ones to the reopened one.
    func requestReopen() {
        state.withLock { state in
            state.beforeReopen.append(contentsOf: state.pending)
            state.pending.removeAll(keepingCapacity: true)
            state.reopenRequested = true
        }
        wakeFlusher()
    }

    /// Refuses further lines and asks the flusher to write what is pending and stop, giving up on a stuck
    /// destination at `deadlineNanos` (monotonic).
    func requestClose(deadlineNanos: UInt64) {
        state.withLock { state in
            state.closing = true
            state.closeDeadlineNanos = deadlineNanos
        }
        wakeFlusher()
    }

    /// Takes everything pending (the flusher's side). Returns an emptied buffer for reuse with `recycle`.
    func take() -> Batch {
        var drained: [UInt8] = [0]
        while read(wakeReadFD, &drained, 1) > 0 {}
        return state.withLock { state in
            var lines = state.spare
            swap(&lines, &state.pending)
            let batch = Batch(beforeReopen: state.beforeReopen, reopen: state.reopenRequested, lines: lines,
                              closing: state.closing)
            state.beforeReopen = []
            state.reopenRequested = false
            state.spare = []
            state.wakeSent = false
            return batch
        }
    }

    /// Gives a written buffer back so the next `take` reuses its capacity.
    func recycle(_ buffer: [UInt8]) {
        var buffer = buffer
        buffer.removeAll(keepingCapacity: true)
        state.withLock { state in
            if state.spare.capacity < buffer.capacity { state.spare = buffer }
        }
    }

    /// Updates the counters (the flusher reports failures here).
    func count(_ update: (inout AccessLogWriter.Counters) -> Void) {
        state.withLock { update(&$0.counters) }
    }

    /// The monotonic time (ns) after which the flusher gives up a stuck destination: `.max` until `close()`.
    /// Read live, so that a close during a long stuck write still ends it.
    var closeDeadlineNanos: UInt64 { state.withLock { $0.closeDeadlineNanos } }

    /// The counters so far.
    var counters: AccessLogWriter.Counters { state.withLock { $0.counters } }

    private func wakeFlusher() {
        var byte: UInt8 = 1
        _ = write(wakeWriteFD, &byte, 1)  // a full pipe already means "wake up"
    }
}
