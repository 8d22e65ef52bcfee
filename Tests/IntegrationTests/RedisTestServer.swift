import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A throw-away `redis-server` on a free loopback port (no persistence) for the integration tests: started,
/// killed, frozen and restarted on the same port by PID, and queried with raw RESP commands over a socket.
final class RedisTestServer {
    static let serverPath = "/usr/bin/redis-server"

    /// The port it listens on (kept across `restart`).
    let port: UInt16
    private var process: Process?

    /// Starts a server on a free port and waits until it answers PING; skips the test when redis-server is
    /// not installed.
    init() throws {
        guard FileManager.default.isExecutableFile(atPath: RedisTestServer.serverPath) else {
            throw XCTSkip("redis-server is not installed")
        }
        port = try RawHTTPClient.unusedPort()
        try start()
    }

    deinit { kill() }

    /// "127.0.0.1:PORT", for `rate_limit.redis.address`.
    var address: String { "127.0.0.1:\(port)" }

    /// Starts the server (again) on `port` and waits until it answers PING.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RedisTestServer.serverPath)
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--loglevel", "warning"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if case .simple("PONG")? = try? command("PING") { return }
            guard process.isRunning else { break }
            usleep(10_000)  // waiting for another process to listen, not passing test time
        }
        kill()
        throw XCTSkip("redis-server did not answer PING on port \(port)")
    }

    /// Kills the server by its PID (SIGKILL, after SIGCONT in case it was frozen) and reaps it.
    func kill() {
        guard let process else { return }
        self.process = nil
        if process.isRunning {
            _ = Glibc.kill(process.processIdentifier, SIGCONT)
            _ = Glibc.kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    /// Freezes the server (SIGSTOP): its connections stay open and nothing is answered.
    func freeze() {
        if let process, process.isRunning { _ = Glibc.kill(process.processIdentifier, SIGSTOP) }
    }

    /// Undoes `freeze`.
    func thaw() {
        if let process, process.isRunning { _ = Glibc.kill(process.processIdentifier, SIGCONT) }
    }

    // MARK: RESP

    /// One RESP reply.
    enum Reply: Equatable {
        case simple(String)
        case error(String)
        case integer(Int)
        case bulk(String?)
        case array([Reply]?)

        var integer: Int? { if case .integer(let value) = self { value } else { nil } }
        var text: String? { if case .bulk(let value) = self { value } else if case .simple(let value) = self { value } else { nil } }
        var elements: [Reply] { if case .array(let values?) = self { values } else { [] } }
    }

    /// Sends one command on a new connection and reads its reply.
    func command(_ arguments: String...) throws -> Reply {
        let client = try RawHTTPClient(port: port, timeout: 2)
        defer { client.close() }
        var request = "*\(arguments.count)\r\n"
        for argument in arguments { request += "$\(argument.utf8.count)\r\n\(argument)\r\n" }
        guard client.send(request) else { throw RawHTTPClient.Failure.connect("redis closed the connection") }
        var reader = RESPReader(client: client)
        return try reader.reply()
    }

    /// Every key (SCAN to the end).
    func keys() throws -> [String] {
        var cursor = "0", keys: [String] = []
        repeat {
            let page = try command("SCAN", cursor, "COUNT", "1000").elements
            guard page.count == 2, let next = page[0].text else { throw RawHTTPClient.Failure.malformed("SCAN reply") }
            keys += page[1].elements.compactMap(\.text)
            cursor = next
        } while cursor != "0"
        return keys
    }
}

/// Reads RESP replies through `RawHTTPClient`'s buffered `readSome`.
private struct RESPReader {
    let client: RawHTTPClient
    private var buffer: [UInt8] = []

    init(client: RawHTTPClient) { self.client = client }

    mutating func reply() throws -> RedisTestServer.Reply {
        let line = try readLine()
        guard let kind = line.first else { throw RawHTTPClient.Failure.malformed("empty RESP line") }
        let rest = String(line.dropFirst())
        switch kind {
        case "+": return .simple(rest)
        case "-": return .error(rest)
        case ":": return .integer(Int(rest) ?? 0)
        case "$":
            guard let length = Int(rest), length >= 0 else { return .bulk(nil) }
            let bytes = try readExact(length + 2)
            return .bulk(String(decoding: bytes.dropLast(2), as: UTF8.self))
        case "*":
            guard let count = Int(rest), count >= 0 else { return .array(nil) }
            return .array(try (0..<count).map { _ in try reply() })
        default: throw RawHTTPClient.Failure.malformed("RESP line: \(line)")
        }
    }

    private mutating func fill() throws {
        let more = try client.readSome(maximum: 65_536)
        guard !more.isEmpty else { throw RawHTTPClient.Failure.truncated("redis closed mid-reply") }
        buffer += more
    }

    private mutating func readLine() throws -> String {
        while true {
            if let lf = buffer.firstIndex(of: 10), lf > 0, buffer[lf - 1] == 13 {
                defer { buffer.removeFirst(lf + 1) }
                return String(decoding: buffer[..<(lf - 1)], as: UTF8.self)
            }
            try fill()
        }
    }

    private mutating func readExact(_ count: Int) throws -> [UInt8] {
        while buffer.count < count { try fill() }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }
}
