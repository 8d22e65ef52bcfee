import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A throw-away `redis-server` on a free loopback port (no persistence), for the Redis store's tests and the
/// integration tests: started, killed, frozen and restarted on the same port by PID, and queried with raw RESP
/// commands over a socket.
public final class RedisTestServer {
    static let serverPath = "/usr/bin/redis-server"

    /// The port it listens on (kept across `restart`).
    public let port: UInt16
    private let extraArguments: [String]
    private var child: ChildProcess?
    /// Commands sent on every connection `command` opens before its own (`AUTH`, `SELECT`); their replies are
    /// read and dropped.
    public var prelude: [[String]]

    /// Starts a server on a free port (with `extraArguments`, e.g. `--rename-command` or `--requirepass`) and
    /// waits until it answers PING (after `prelude`); skips the test when redis-server is not installed.
    public init(extraArguments: [String] = [], prelude: [[String]] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: RedisTestServer.serverPath) else {
            throw XCTSkip("redis-server is not installed")
        }
        self.extraArguments = extraArguments
        self.prelude = prelude
        port = try LoopbackSocket.unusedPort()
        try start()
    }

    deinit { kill() }

    /// "127.0.0.1:PORT", for `rate_limit.redis.address`.
    public var address: String { "127.0.0.1:\(port)" }

    /// Starts the server (again) on `port` and waits until it answers PING.
    public func start() throws {
        let child = try ChildProcess(executable: RedisTestServer.serverPath, arguments: [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning",
        ] + extraArguments)
        self.child = child
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if case .simple("PONG")? = try? command("PING") { return }
            guard child.process.isRunning else { break }
            usleep(10_000)  // waiting for another process to listen, not passing test time
        }
        kill()
        throw XCTSkip("redis-server did not answer PING on port \(port)")
    }

    /// Kills the server by its PID (SIGKILL, after SIGCONT in case it was frozen) and reaps it.
    public func kill() {
        guard let child else { return }
        self.child = nil
        child.signal(SIGCONT)
        child.kill()
    }

    /// Freezes the server (SIGSTOP): its connections stay open and nothing is answered.
    public func freeze() {
        child?.signal(SIGSTOP)
    }

    /// Undoes `freeze`.
    public func thaw() {
        child?.signal(SIGCONT)
    }

    // MARK: RESP

    /// One RESP reply.
    public enum Reply: Equatable {
        case simple(String)
        case error(String)
        case integer(Int)
        case bulk(String?)
        case array([Reply]?)

        /// The value of an integer reply.
        public var integer: Int? { if case .integer(let value) = self { value } else { nil } }
        /// The text of a bulk or simple string reply.
        public var text: String? { if case .bulk(let value) = self { value } else if case .simple(let value) = self { value } else { nil } }
        /// The elements of an array reply (none for any other reply).
        public var elements: [Reply] { if case .array(let values?) = self { values } else { [] } }

        /// The reply as `redis-cli` prints it unformatted: strings and numbers as they are, an array's
        /// elements one per line, an error as its message.
        public var plainText: String {
            switch self {
            case .simple(let text), .error(let text): return text
            case .integer(let value): return String(value)
            case .bulk(let text): return text ?? ""
            case .array(let values): return (values ?? []).map(\.plainText).joined(separator: "\n")
            }
        }
    }

    /// Sends one command on a new connection and reads its reply.
    public func command(_ arguments: String...) throws -> Reply {
        try command(arguments)
    }

    /// `command` with the arguments as an array.
    public func command(_ arguments: [String]) throws -> Reply {
        let fd = try LoopbackSocket.connect(port: port, timeout: 2)
        defer { Glibc.close(fd) }
        var request = ""
        for command in prelude + [arguments] {
            request += "*\(command.count)\r\n"
            for argument in command { request += "$\(argument.utf8.count)\r\n\(argument)\r\n" }
        }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw LoopbackSocket.Failure(description: "redis closed the connection") }
            sent += n
        }
        var reader = RESPReader(fd: fd)
        for _ in prelude { _ = try reader.reply() }
        return try reader.reply()
    }

    /// One command's reply as plain text (see ``Reply/plainText``), or "" when it could not be sent.
    @discardableResult
    public func cli(_ arguments: String...) -> String {
        (try? command(arguments))?.plainText ?? ""
    }

    /// Every key (SCAN to the end).
    public func keys() throws -> [String] {
        var cursor = "0", keys: [String] = []
        repeat {
            let page = try command("SCAN", cursor, "COUNT", "1000").elements
            guard page.count == 2, let next = page[0].text else { throw LoopbackSocket.Failure(description: "SCAN reply") }
            keys += page[1].elements.compactMap(\.text)
            cursor = next
        } while cursor != "0"
        return keys
    }
}

/// Reads RESP replies from a blocking socket.
private struct RESPReader {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    mutating func reply() throws -> RedisTestServer.Reply {
        let line = try readLine()
        guard let kind = line.first else { throw LoopbackSocket.Failure(description: "empty RESP line") }
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
        default: throw LoopbackSocket.Failure(description: "RESP line: \(line)")
        }
    }

    private mutating func fill() throws {
        var scratch = [UInt8](repeating: 0, count: 65_536)
        let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw LoopbackSocket.Failure(description: "redis closed mid-reply (or timed out)") }
        buffer += scratch[0..<n]
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
