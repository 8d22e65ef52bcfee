import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal upstream on 127.0.0.1 that answers each path with a fixed, hand-framed response (for bodies and
/// framings demo-upstream does not offer). Unknown paths get `200 {"ok":true}`; `/status-empty-NNN` an empty NNN.
final class ScriptedUpstream: @unchecked Sendable {
    /// How a scripted response's body is delimited.
    enum Framing: Sendable { case length, chunkedWithTrailer, close }

    /// One canned response.
    struct Canned: Sendable {
        var bytes: [UInt8]
        var closes: Bool

        init(_ status: Int, _ headers: [(String, String)], _ body: [UInt8], framing: Framing = .length) {
            var head = "HTTP/1.1 \(status) Scripted\r\n" + headers.map { "\($0.0): \($0.1)\r\n" }.joined()
            switch framing {
            case .length:
                head += "Content-Length: \(body.count)\r\n\r\n"
                bytes = Array(head.utf8) + body
            case .close:
                bytes = Array((head + "\r\n").utf8) + body
            case .chunkedWithTrailer:
                head += "Transfer-Encoding: chunked\r\n\r\n"
                let half = body.count / 2
                bytes = Array(head.utf8)
                for piece in [body[..<half], body[half...]] {
                    bytes += Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + Array("\r\n".utf8)
                }
                bytes += Array("0\r\nX-Checksum: 1234\r\n\r\n".utf8)
            }
            closes = framing == .close
        }
    }

    let port: UInt16
    private let listener: Int32
    private let tally = Tally()

    /// Connections accepted and requests read on each, behind a lock.
    private final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var requestsPerConnection: [Int] = []

        func opened() -> Int { lock.withLock { requestsPerConnection.append(0); return requestsPerConnection.count - 1 } }
        func request(on connection: Int) { lock.withLock { requestsPerConnection[connection] += 1 } }
        var snapshot: [Int] { lock.withLock { requestsPerConnection } }
    }

    /// Connections accepted so far.
    var connections: Int { tally.snapshot.count }
    /// The most requests read on any one connection.
    var mostRequestsOnOneConnection: Int { tally.snapshot.max() ?? 0 }

    /// Listens on an ephemeral port and serves `responses` (keyed by request path) on a thread per connection.
    init(responses: [String: Canned]) throws {
        let (listener, port) = try LoopbackSocket.bind(listenBacklog: 64)
        self.port = port
        self.listener = listener
        let tally = self.tally
        LoopbackSocket.acceptLoop(listener) { connection in
            let index = tally.opened()
            Thread { ScriptedUpstream.serve(connection, responses: responses) { tally.request(on: index) } }.start()
        }
    }

    var address: String { "127.0.0.1:\(port)" }

    /// Stops accepting (connections being served end when their peer closes).
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }

    private static func serve(_ fd: Int32, responses: [String: Canned], onRequest: () -> Void) {
        defer { Glibc.close(fd) }
        var buffer: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 16_384)
        while true {
            guard let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) else {
                let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return }
                buffer += scratch[0..<n]
                continue
            }
            let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
            buffer.removeSubrange(..<end.upperBound)
            onRequest()
            let words = head.split(separator: " ", maxSplits: 2)
            let path = words.count > 1 ? String(words[1]) : "/"
            let canned: Canned
            if let known = responses[path] {
                canned = known
            } else if path.hasPrefix("/status-empty-"), let status = Int(path.dropFirst("/status-empty-".count)) {
                canned = Canned(status, [], [])
            } else {
                canned = Canned(200, [("Content-Type", "application/json")], Array(#"{"ok":true}"#.utf8))
            }
            var sent = 0
            while sent < canned.bytes.count {
                let n = canned.bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, canned.bytes.count - sent, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return }
                sent += n
            }
            if canned.closes { return }
        }
    }
}
