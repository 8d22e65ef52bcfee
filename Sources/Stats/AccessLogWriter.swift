import Essentials
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The access log: one JSON line per request, written by a background thread so that a slow disk or pipe
/// never stalls an event loop.
///
/// Any thread may call `write(_:)`: it formats the line on the calling thread and appends it to an in-memory
/// buffer under a `Mutex` (no I/O, no waiting). A dedicated pthread writes the buffer to the destination every
/// `flushIntervalMillis` or as soon as `flushThresholdBytes` are pending. When more than `bufferCapBytes` are
/// waiting (the destination is stuck), new lines are dropped and counted in `counters.droppedLines`.
///
/// Lifecycle: `init` opens the file (so a bad path is reported at start-up) and starts the thread; `reopen()`
/// on SIGUSR1 (log rotation: lines written before the call go to the old file, later ones to the file now at
/// the path); `close()` at shutdown writes everything still buffered and stops the thread.
public final class AccessLogWriter: Sendable {
    /// Where the lines go.
    public enum Destination: Sendable, Equatable {
        /// File descriptor 1 (never closed by the writer).
        case standardOutput
        /// A file opened with `O_APPEND | O_CREAT`, reopened by `reopen()`.
        case file(path: String)
        /// A descriptor owned by the caller (tests, pipes); never closed or reopened.
        case fileDescriptor(Int32)
    }

    /// Tuning; the defaults suit production.
    public struct Options: Sendable {
        /// Longest time a line waits in memory.
        public var flushIntervalMillis = 100
        /// Pending bytes that wake the flusher before the interval.
        public var flushThresholdBytes = 64 * 1024
        /// Pending bytes beyond which new lines are dropped.
        public var bufferCapBytes = 8 * 1024 * 1024
        /// How long `close()` keeps trying a stuck destination before dropping the rest.
        public var closeTimeoutMillis = 2000

        /// The default options.
        public init() {}
    }

    /// What went wrong so far (all zero in a healthy run).
    public struct Counters: Sendable, Equatable {
        /// Lines dropped: buffer over the cap, written after `close()`, or lost to a write error or close timeout.
        public var droppedLines: UInt64 = 0
        /// Writes that failed with an error other than "try again".
        public var writeErrors: UInt64 = 0
        /// `reopen()` calls whose open failed (the old file is kept).
        public var reopenFailures: UInt64 = 0

        /// Zero counters.
        public init() {}
    }

    /// The destination could not be opened.
    public struct OpenError: Error, Sendable, CustomStringConvertible {
        /// The path that failed.
        public var path: String
        /// The `errno` of the failure.
        public var errno: Int32

        /// A readable description, e.g. `cannot open access log /x/y: No such file or directory`.
        public var description: String {
            "cannot open access log \(path): \(String(cString: strerror(errno)))"
        }
    }

    private let buffer: AccessLogBuffer
    /// The flusher thread until `close()` joins it.
    private let thread: Mutex<pthread_t?>
    private let closeTimeoutMillis: Int

    /// Opens `destination` and starts the flusher thread.
    public init(destination: Destination, options: Options = Options()) throws(OpenError) {
        buffer = try AccessLogBuffer(thresholdBytes: options.flushThresholdBytes, capBytes: options.bufferCapBytes)
        let fd = try AccessLogFlusher.open(destination)
        let flusher = AccessLogFlusher(buffer: buffer, destination: destination, fd: fd,
                                       flushIntervalMillis: options.flushIntervalMillis)
        let running: pthread_t
        do {
            running = try flusher.start()
        } catch {
            if case .file = destination { _ = Glibc.close(fd) }
            throw error
        }
        closeTimeoutMillis = options.closeTimeoutMillis
        thread = Mutex(running)
    }

    deinit { close() }

    /// Formats `entry` and queues its line. Never blocks on I/O.
    public func write(_ entry: AccessLogEntry) {
        buffer.append(entry.jsonLine())
    }

    /// Queues one already formatted line, which must end with `\n`.
    public func write(line: [UInt8]) {
        buffer.append(line)
    }

    /// Reopens the file at the destination path (after log rotation renamed it). Returns at once; the flusher
    /// reopens after writing the lines queued before this call to the old file. No effect on stdout or a
    /// caller's descriptor.
    public func reopen() {
        buffer.requestReopen()
    }

    /// Writes everything queued and stops the flusher thread (waiting at most about `closeTimeoutMillis` for a
    /// stuck destination). Later `write` calls drop their lines. Safe to call more than once.
    public func close() {
        guard let running = thread.withLock({ thread -> pthread_t? in
            defer { thread = nil }
            return thread
        }) else { return }
        let deadline = UInt64(SystemTime.monotonicNanoseconds()) + UInt64(max(0, closeTimeoutMillis)) * 1_000_000
        buffer.requestClose(deadlineNanos: deadline)
        pthread_join(running, nil)
    }

    /// Dropped lines and failures so far.
    public var counters: Counters { buffer.counters }
}
