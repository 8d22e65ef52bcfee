import Foundation
import XCTest

/// A throw-away `redis-server` on a free loopback port (no persistence), started and stopped by a test.
final class RedisServerProcess {
    static let serverPath = "/usr/bin/redis-server"
    static let cliPath = "/usr/bin/redis-cli"

    let port: UInt16
    private let extraArguments: [String]
    private var process: Process?

    /// Starts a server on a free port (with `extraArguments`, e.g. `--rename-command`) and waits until
    /// it answers PING; skips the test when redis-server is not installed.
    init(extraArguments: [String] = []) throws {
        self.extraArguments = extraArguments
        guard FileManager.default.isExecutableFile(atPath: RedisServerProcess.serverPath),
              FileManager.default.isExecutableFile(atPath: RedisServerProcess.cliPath)
        else { throw XCTSkip("redis-server is not installed") }
        port = try RedisServerProcess.freePort()
        try start()
    }

    deinit {
        stop()
    }

    /// Starts the server (again) on `port` and waits until it answers PING.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RedisServerProcess.serverPath)
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--loglevel", "warning",
        ] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        for _ in 0..<250 {
            if cli("PING") == "PONG" { return }
            usleep(20_000)  // waiting for another process to start listening, not passing test time
        }
        stop()
        throw XCTSkip("redis-server did not answer PING on port \(port)")
    }

    /// Kills the server by its PID and waits for it to exit.
    func stop() {
        guard let process else { return }
        self.process = nil
        if process.isRunning { kill(process.processIdentifier, SIGCONT) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Freezes the server (SIGSTOP): connections stay open but nothing is answered.
    func pause() {
        if let process { kill(process.processIdentifier, SIGSTOP) }
    }

    /// Undoes `pause`.
    func resume() {
        if let process { kill(process.processIdentifier, SIGCONT) }
    }

    /// Runs one command with redis-cli and returns its trimmed output.
    @discardableResult
    func cli(_ arguments: String...) -> String {
        let cli = Process()
        cli.executableURL = URL(fileURLWithPath: RedisServerProcess.cliPath)
        cli.arguments = ["-h", "127.0.0.1", "-p", String(port)] + arguments
        let output = Pipe()
        cli.standardOutput = output
        cli.standardError = FileHandle.nullDevice
        guard (try? cli.run()) != nil else { return "" }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        cli.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A port nobody listens on right now: bind port 0, read it back, close.
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        guard let port = bindLoopback(fd) else { throw XCTSkip("cannot bind a loopback port") }
        return port
    }

    /// Binds `fd` to a free port of 127.0.0.1 and returns the port, or nil.
    static func bindLoopback(_ fd: Int32) -> UInt16? {
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        return bound ? UInt16(bigEndian: address.sin_port) : nil
    }
}
