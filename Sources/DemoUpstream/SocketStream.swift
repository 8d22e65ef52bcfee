#if canImport(Glibc)
import Glibc
#endif

/// Blocking, buffered I/O over one accepted TCP socket.
final class SocketStream {
    let fd: Int32
    private(set) var buffer: [UInt8] = []
    private var readOffset = 0
    private var scratch = [UInt8](repeating: 0, count: 65_536)

    init(fd: Int32) {
        self.fd = fd
    }

    /// Bytes received but not consumed yet.
    var bufferedCount: Int { buffer.count - readOffset }

    /// Reads once from the socket into the buffer; false on EOF or error.
    func fill() -> Bool {
        let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 && errno == EINTR { return fill() }
        guard n > 0 else { return false }
        if readOffset > 0 && readOffset == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readOffset = 0
        } else if readOffset > 1 << 20 {
            buffer.removeFirst(readOffset)
            readOffset = 0
        }
        buffer.append(contentsOf: scratch[0..<n])
        return true
    }

    /// Waits up to `milliseconds` for readable data (or EOF); false on timeout.
    func waitReadable(milliseconds: Int32) -> Bool {
        if bufferedCount > 0 { return true }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let r = poll(&pfd, 1, milliseconds)
            if r < 0 && errno == EINTR { continue }
            return r > 0
        }
    }

    /// Reads up to the end of a header block (CRLFCRLF or LFLF) and returns it without the terminator.
    /// Returns nil when the peer closes first or the head grows beyond `limit`.
    func readHead(limit: Int = 1 << 20) -> [UInt8]? {
        var scanned = 0  // relative to readOffset, which fill() may move
        while true {
            var i = readOffset + scanned
            while i < buffer.count {
                if buffer[i] == 10 {
                    if i + 1 < buffer.count && buffer[i + 1] == 10 {
                        return consumeHead(upTo: i, terminatorLength: 2)
                    }
                    if i + 2 < buffer.count && buffer[i + 1] == 13 && buffer[i + 2] == 10 {
                        return consumeHead(upTo: i, terminatorLength: 3)
                    }
                }
                i += 1
            }
            scanned = max(0, buffer.count - readOffset - 3)
            if buffer.count - readOffset > limit { return nil }
            guard fill() else { return nil }
        }
    }

    private func consumeHead(upTo lineFeed: Int, terminatorLength: Int) -> [UInt8] {
        var end = lineFeed
        if end > readOffset && buffer[end - 1] == 13 { end -= 1 }
        let head = Array(buffer[readOffset..<end])
        readOffset = lineFeed + terminatorLength
        return head
    }

    /// Reads one line (without CR LF); nil on EOF.
    func readLine() -> [UInt8]? {
        while true {
            if let lf = buffer[readOffset...].firstIndex(of: 10) {
                var end = lf
                if end > readOffset && buffer[end - 1] == 13 { end -= 1 }
                let line = Array(buffer[readOffset..<end])
                readOffset = lf + 1
                return line
            }
            guard fill() else { return nil }
        }
    }

    /// Reads exactly `count` bytes; nil on EOF.
    func readExact(_ count: Int) -> [UInt8]? {
        while bufferedCount < count {
            guard fill() else { return nil }
        }
        let bytes = Array(buffer[readOffset..<readOffset + count])
        readOffset += count
        return bytes
    }

    /// Reads and discards everything until the peer closes.
    func drainUntilClosed() {
        readOffset = buffer.count
        while fill() { readOffset = buffer.count }
    }

    /// Writes all bytes; false if the peer has gone.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    @discardableResult
    func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// Closes the socket; with `reset`, the peer sees a TCP RST instead of a FIN.
    func close(reset: Bool = false) {
        if reset {
            var option = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        }
        _ = Glibc.close(fd)
    }
}
