#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Essentials

/// The access log's background thread: takes batches from the `AccessLogBuffer` and writes them to the
/// destination. It alone touches the destination descriptor while it runs.
///
/// Writes never block indefinitely: before each write it polls the descriptor for `POLLOUT` (100 ms at a time),
/// and to pipes, terminals and sockets it writes at most `PIPE_BUF` bytes per call, which a writable pipe
/// accepts without blocking. While the destination is stuck, workers keep appending until the buffer's cap and
/// then drop lines; on close it gives up at the close deadline and counts what it could not write as dropped.
final class AccessLogFlusher: @unchecked Sendable {  // handed once to its thread, then used only there
    private let buffer: AccessLogBuffer
    private let destination: AccessLogWriter.Destination
    private let flushIntervalMillis: Int32
    private var fd: Int32
    private var chunkSize = 4096

    init(buffer: AccessLogBuffer, destination: AccessLogWriter.Destination, fd: Int32, flushIntervalMillis: Int) {
        self.buffer = buffer
        self.destination = destination
        self.fd = fd
        self.flushIntervalMillis = Int32(clamping: flushIntervalMillis)
        chunkSize = Self.chunkSize(for: fd)
    }

    /// Opens the destination; the caller owns the descriptor when it is a file.
    static func open(_ destination: AccessLogWriter.Destination) throws(AccessLogWriter.OpenError) -> Int32 {
        switch destination {
        case .standardOutput: return 1
        case .fileDescriptor(let fd): return fd
        case .file(let path):
            let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .init(path: path, errno: errno) }
            return fd
        }
    }

    /// Starts the thread. It holds a reference to the flusher until it ends.
    func start() throws(AccessLogWriter.OpenError) -> pthread_t {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(&thread, nil, { context in
            let flusher = Unmanaged<AccessLogFlusher>.fromOpaque(context!).takeRetainedValue()
            flusher.run()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<AccessLogFlusher>.fromOpaque(context).release()
            throw .init(path: "(flusher thread)", errno: result)
        }
        return thread
    }

    /// The thread's loop: wait for a wake-up or the interval, write the batch, stop after the closing batch.
    func run() {
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        pthread_sigmask(SIG_BLOCK, &allSignals, nil)  // signals go to the event loops; SIGPIPE becomes EPIPE here
        while true {
            var wake = pollfd(fd: buffer.wakeReadFD, events: Int16(POLLIN), revents: 0)
            _ = poll(&wake, 1, flushIntervalMillis)
            let batch = buffer.take()
            writeAll(batch.beforeReopen)
            if batch.reopen { reopen() }
            writeAll(batch.lines)
            buffer.recycle(batch.lines)
            if batch.closing {
                if case .file = destination { _ = Glibc.close(fd) }
                return
            }
        }
    }

    private func reopen() {
        guard case .file = destination else { return }
        do {
            let newFD = try Self.open(destination)
            _ = Glibc.close(fd)
            fd = newFD
            chunkSize = Self.chunkSize(for: fd)
        } catch {
            buffer.count { $0.reopenFailures &+= 1 }  // keep writing to the old file
        }
    }

    /// Writes `bytes`, waiting for the destination as long as it takes, unless `close()` has been called and its
    /// deadline passed: then the rest is dropped and counted.
    private func writeAll(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { raw in
            var offset = 0
            var waited = false
            while offset < raw.count {
                if waited, UInt64(SystemTime.monotonicNanoseconds()) >= buffer.closeDeadlineNanos {
                    return dropRest(raw[offset...])
                }
                var writable = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ready = poll(&writable, 1, 100)
                waited = ready <= 0
                if ready == 0 || (ready < 0 && errno == EINTR) { continue }
                let count = min(chunkSize, raw.count - offset)
                let written = write(fd, raw.baseAddress! + offset, count)
                if written > 0 {
                    offset += written
                } else if written < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                    waited = true
                } else {
                    buffer.count { $0.writeErrors &+= 1 }
                    return dropRest(raw[offset...])
                }
            }
        }
    }

    private func dropRest(_ rest: Slice<UnsafeRawBufferPointer>) {
        let lines = rest.reduce(into: UInt64(0)) { count, byte in if byte == UInt8(ascii: "\n") { count &+= 1 } }
        buffer.count { $0.droppedLines &+= lines }
    }

    private static func chunkSize(for fd: Int32) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return Int(PIPE_BUF) }
        return 1 << 20
    }
}
