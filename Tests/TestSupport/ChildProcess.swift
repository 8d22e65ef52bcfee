import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process whose stdout and stderr are captured line by line, killed by PID when discarded: the one
/// launcher of sluice, demo-upstream and redis-server in the tests.
public final class ChildProcess {
    /// Thrown when the process does not print the awaited line or does not exit in time.
    public struct Timeout: Error, CustomStringConvertible {
        public var description: String

        /// A timeout saying what did not happen.
        public init(description: String) { self.description = description }
    }

    public let process = Process()
    /// Captured output, shared with the reader threads (which must not retain the ChildProcess itself, or it
    /// would never be deinitialised and killed).
    private let output = CapturedOutput()

    /// Starts `executable` with `arguments`, in this process's environment plus `environment`.
    public init(executable: String, arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        startReader(outPipe.fileHandleForReading, isStdout: true)
        startReader(errPipe.fileHandleForReading, isStdout: false)
    }

    deinit { kill() }

    public var pid: Int32 { process.processIdentifier }

    /// Everything written to stdout so far.
    public var standardOutput: String { output.withLock { $0.stdout } }
    /// Everything written to stderr so far.
    public var standardError: String { output.withLock { $0.stderr } }
    /// Both streams, stdout first.
    public var allOutput: String { output.withLock { $0.stdout + $0.stderr } }

    private func startReader(_ handle: FileHandle, isStdout: Bool) {
        let output = self.output
        let thread = Thread {
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                let text = String(decoding: data, as: UTF8.self)
                output.withLock { if isStdout { $0.stdout += text } else { $0.stderr += text } }
            }
            output.withLock { $0.openStreams -= 1 }
        }
        thread.start()
    }

    /// Waits until a complete line of stdout (or stderr) satisfies `predicate`, and returns it.
    public func waitForLine(onStdout: Bool, timeout: TimeInterval = 10, where predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = onStdout ? standardOutput : standardError
            let completeLines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            if let line = completeLines.first(where: { predicate(String($0)) }) { return String(line) }
            if !process.isRunning && output.withLock({ $0.openStreams == 0 }) { break }
            usleep(5_000)
        }
        throw Timeout(description: "no matching line from \(process.executableURL?.lastPathComponent ?? "?") "
            + "(running: \(process.isRunning)); output so far:\n\(allOutput)")
    }

    /// Waits until both output pipes reached end of file (after exit), so that the captured text is complete.
    public func waitForOutputClosed(timeout: TimeInterval = 10) {
        let deadline = Date().addingTimeInterval(timeout)
        while output.withLock({ $0.openStreams > 0 }) && Date() < deadline { usleep(2_000) }
    }

    /// Sends a signal.
    public func signal(_ number: Int32) {
        if process.isRunning { _ = Glibc.kill(pid, number) }
    }

    /// Waits for the process to exit; returns its exit status (or 128 + signal), or throws on timeout.
    @discardableResult
    public func waitForExit(timeout: TimeInterval = 10) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() >= deadline { throw Timeout(description: "process \(pid) still running after \(timeout) s") }
            usleep(5_000)
        }
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    /// Kills the process by PID (SIGKILL) and reaps it.
    public func kill() {
        guard process.isRunning else { return }
        _ = Glibc.kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    /// The process's resident set size in bytes, from /proc/PID/status (VmRSS).
    public func residentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return digits.map { $0 * 1024 }
        }
        return nil
    }
}

/// The text a child process wrote, behind a lock.
final class CapturedOutput: @unchecked Sendable {
    struct Text {
        var stdout = ""
        var stderr = ""
        /// Pipes not yet at end of file.
        var openStreams = 2
    }

    private let lock = NSLock()
    private var text = Text()

    func withLock<T>(_ body: (inout Text) -> T) -> T {
        lock.withLock { body(&text) }
    }
}
