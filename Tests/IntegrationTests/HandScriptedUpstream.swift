import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A tiny upstream on an ephemeral port whose behaviour per request is a closure: `handle(fd, path)` writes the
/// answer itself (and may pause between writes) and returns whether to keep the connection for another request.
/// Request bodies framed by Content-Length are read and discarded.
final class HandScriptedUpstream: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let accepted = NSLock()
    private var acceptedCount = 0

    init(handle: @escaping @Sendable (Int32, String) -> Bool) throws {
        let (listener, port) = try LoopbackSocket.bind(listenBacklog: 64)
        self.port = port
        self.listener = listener
        LoopbackSocket.acceptLoop(listener) { [self] connection in
            accepted.withLock { acceptedCount += 1 }
            Thread { HandScriptedUpstream.serve(connection, handle: handle) }.start()
        }
    }

    var address: String { "127.0.0.1:\(port)" }

    /// TCP connections accepted so far.
    var connectionsAccepted: Int { accepted.withLock { acceptedCount } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }

    /// Writes all of `text`; false if the peer is gone.
    @discardableResult
    static func write(_ fd: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// A keep-alive `200` with `body`; returns whether the write succeeded.
    static func answer(_ fd: Int32, _ body: String) -> Bool {
        write(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
    }

    /// Holds back partial segments until close, so the last bytes and the FIN share a segment.
    static func cork(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_CORK, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    private static func serve(_ fd: Int32, handle: @Sendable (Int32, String) -> Bool) {
        defer { Glibc.close(fd) }
        var buffer: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 16_384)
        func fill() -> Bool {
            let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return false }
            buffer += scratch[0..<n]
            return true
        }
        while true {
            guard let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) else {
                if fill() { continue } else { return }
            }
            let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
            buffer.removeSubrange(..<end.upperBound)
            let lines = head.split(separator: "\r\n")
            let words = lines.first?.split(separator: " ") ?? []
            let path = words.count > 1 ? String(words[1]) : "/"
            let length = lines.dropFirst().compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }.first ?? 0
            while buffer.count < length { guard fill() else { return } }
            buffer.removeSubrange(..<length)
            guard handle(fd, path) else { return }
        }
    }
}
