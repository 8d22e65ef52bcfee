import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 client over a raw TCP socket: sends exactly the bytes it is given and reads responses
/// (Content-Length, chunked, or until close). Supports keep-alive reuse and pipelining (send many, read many).
final class RawHTTPClient {
    /// What can go wrong talking to a server.
    enum Failure: Error {
        case connect(String)
        /// A read waited longer than the read timeout; `unreadBytes` had arrived of the message being read.
        case timeout(unreadBytes: Int)
        /// The peer closed in the middle of a response.
        case truncated(String)
        case malformed(String)
    }

    let fd: Int32
    private var buffer: [UInt8] = []
    private var offset = 0
    private var scratch = [UInt8](repeating: 0, count: 65_536)
    private var isClosed = false

    /// Connects to 127.0.0.1:`port`; reads time out after `timeout` seconds.
    init(port: UInt16, timeout: TimeInterval = 10) throws {
        do {
            fd = try LoopbackSocket.connect(port: port, timeout: timeout)
        } catch {
            throw Failure.connect("\(error)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close() }

    /// Changes how long a read may block before `Failure.timeout`.
    func setReadTimeout(_ seconds: TimeInterval) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }

    /// ``LoopbackSocket/unusedPort()``, by the name the integration tests know it.
    static func unusedPort() throws -> UInt16 {
        try LoopbackSocket.unusedPort()
    }

    // MARK: Sending

    /// Sends all bytes; false if the peer is gone (EPIPE, ECONNRESET).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// The bytes of a request: request line, `Host: localhost` unless `headers` has a Host, the headers,
    /// `Content-Length` when there is a body (unless `headers` frames it), and the body.
    static func requestBytes(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) -> [UInt8] {
        var text = "\(method) \(target) HTTP/1.1\r\n"
        let names = Set(headers.map { $0.0.lowercased() })
        if !names.contains("host") { text += "Host: localhost\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if !body.isEmpty && !names.contains("content-length") && !names.contains("transfer-encoding") {
            text += "Content-Length: \(body.count)\r\n"
        }
        return Array((text + "\r\n").utf8) + body
    }

    /// Sends one request and reads its response; nil if the server closed without answering.
    func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> HTTPResponse? {
        send(RawHTTPClient.requestBytes(method, target, headers: headers, body: body))
        return try readResponse(method: method)
    }

    // MARK: Receiving

    /// Reads more bytes into the buffer; false at end of stream (FIN or RST). Throws on timeout.
    private func fill() throws -> Bool {
        while true {
            let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                if offset == buffer.count { buffer.removeAll(keepingCapacity: true); offset = 0 }
                buffer.append(contentsOf: scratch[0..<n])
                return true
            }
            if n == 0 { return false }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: throw Failure.timeout(unreadBytes: available)
            default: return false  // ECONNRESET and friends: the peer is gone
            }
        }
    }

    private var available: Int { buffer.count - offset }

    /// Reads one line without its CRLF; nil at end of stream before any byte of it.
    private func readLine() throws -> String? {
        while true {
            if let lf = buffer[offset...].firstIndex(of: 10) {
                var end = lf
                if end > offset && buffer[end - 1] == 13 { end -= 1 }
                let line = String(decoding: buffer[offset..<end], as: UTF8.self)
                offset = lf + 1
                return line
            }
            guard try fill() else {
                if available > 0 { throw Failure.truncated("partial line: \(String(decoding: buffer[offset...], as: UTF8.self))") }
                return nil
            }
        }
    }

    private func readExact(_ count: Int) throws -> [UInt8] {
        while available < count {
            guard try fill() else { throw Failure.truncated("wanted \(count) bytes, got \(available)") }
        }
        defer { offset += count }
        return Array(buffer[offset..<offset + count])
    }

    /// Reads a status line and header block (skipping interim 1xx responses other than 101); nil if the
    /// connection ended before any byte of it. The body is not read.
    func readHead() throws -> HTTPResponse? {
        while true {
            guard let statusLine = try readLine() else { return nil }
            let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
                throw Failure.malformed("status line: \(statusLine)")
            }
            var headers: [(name: String, value: String)] = []
            while true {
                guard let line = try readLine() else { throw Failure.truncated("in header block") }
                if line.isEmpty { break }
                guard let colon = line.firstIndex(of: ":") else { throw Failure.malformed("header line: \(line)") }
                headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            if (100..<200).contains(status) && status != 101 { continue }
            return HTTPResponse(version: String(parts[0]), status: status, reason: parts.count > 2 ? String(parts[2]) : "",
                                headers: headers, body: [])
        }
    }

    /// Reads one complete response to a request made with `method`; nil if the connection ended before it began.
    func readResponse(method: String = "GET") throws -> HTTPResponse? {
        guard var response = try readHead() else { return nil }
        response.body = try readBody(of: response, method: method)
        return response
    }

    /// Reads the body that `head` announces.
    func readBody(of head: HTTPResponse, method: String = "GET") throws -> [UInt8] {
        if method == "HEAD" || head.status == 204 || head.status == 304 || (100..<200).contains(head.status) { return [] }
        if let te = head.header("transfer-encoding"), te.lowercased().contains("chunked") {
            var body: [UInt8] = []
            while true {
                guard let sizeLine = try readLine() else { throw Failure.truncated("before a chunk size") }
                guard let size = Int(sizeLine.split(separator: ";").first?.trimmingCharacters(in: .whitespaces) ?? "", radix: 16) else {
                    throw Failure.malformed("chunk size: \(sizeLine)")
                }
                if size == 0 {
                    while let trailer = try readLine(), !trailer.isEmpty {}
                    return body
                }
                body += try readExact(size)
                guard try readLine() == "" else { throw Failure.malformed("no CRLF after chunk") }
            }
        }
        if let lengthText = head.header("content-length") {
            guard let length = Int(lengthText), length >= 0 else { throw Failure.malformed("Content-Length: \(lengthText)") }
            return try readExact(length)
        }
        while try fill() {}  // delimited by close
        defer { offset = buffer.count }
        return Array(buffer[offset...])
    }

    /// Reads up to `maximum` bytes of whatever arrives next (for streaming); empty at end of stream.
    func readSome(maximum: Int) throws -> [UInt8] {
        if available == 0 {
            guard try fill() else { return [] }
        }
        let count = min(maximum, available)
        defer { offset += count }
        return Array(buffer[offset..<offset + count])
    }

    /// Whether the peer closes the connection within `timeout` seconds; bytes arriving meanwhile are discarded.
    func waitForClose(timeout: TimeInterval) -> Bool {
        setReadTimeout(timeout)
        defer { setReadTimeout(10) }
        offset = buffer.count
        do {
            while try fill() { offset = buffer.count }
            return true
        } catch {
            return false
        }
    }

    /// Bytes received but not yet consumed by a read.
    var unreadBytes: [UInt8] { Array(buffer[offset...]) }
}
