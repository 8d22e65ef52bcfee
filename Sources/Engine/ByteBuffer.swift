import Glibc

/// A growable flat byte buffer with a read and a write index, owned by one connection.
///
/// Reads from a socket land directly in ``writableSpace(minimum:)``; parsers look at
/// ``readable`` in place; ``consume(_:)`` drops what was handled. Memory is released again
/// with ``shrinkIfIdle(keeping:)`` so a connection that once carried a large body does not
/// keep it.
public final class ByteBuffer {
    private var storage: UnsafeMutableRawPointer?
    private(set) public var capacity: Int = 0
    private(set) public var readerIndex: Int = 0
    private(set) public var writerIndex: Int = 0
    /// Bytes ever appended or committed (for byte counters).
    private(set) public var totalWritten: Int = 0

    public init(capacity: Int = 0) {
        if capacity > 0 { grow(to: capacity) }
    }

    deinit { free(storage) }

    /// Bytes waiting to be read.
    @inline(__always) public var count: Int { writerIndex - readerIndex }
    @inline(__always) public var isEmpty: Bool { writerIndex == readerIndex }

    /// The unread bytes, valid until the next mutation.
    @inline(__always) public var readable: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage.map { $0 + readerIndex }, count: count)
    }

    /// Space for at least `minimum` more bytes (compacting or growing), valid until the next mutation.
    public func writableSpace(minimum: Int) -> UnsafeMutableRawBufferPointer {
        if capacity - writerIndex < minimum {
            if readerIndex > 0 && capacity - count >= minimum && count <= capacity / 2 {
                compact()
            } else {
                grow(to: max(capacity * 2, count + minimum, 4096))
            }
        }
        return UnsafeMutableRawBufferPointer(start: storage! + writerIndex, count: capacity - writerIndex)
    }

    /// Drops `n` read bytes; resets the indices when everything was read.
    @inline(__always) public func consume(_ n: Int) {
        readerIndex += n
        if readerIndex == writerIndex { readerIndex = 0; writerIndex = 0 }
    }

    /// Drops everything.
    public func clear() { readerIndex = 0; writerIndex = 0 }

    /// Appends raw bytes.
    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        let space = writableSpace(minimum: bytes.count)
        space.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        writerIndex += bytes.count
        totalWritten += bytes.count
    }

    public func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    public func append(_ literal: StaticString) {
        append(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    public func append(_ string: String) {
        var copy = string
        copy.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    public func append(byte: UInt8) {
        let space = writableSpace(minimum: 1)
        space[0] = byte
        writerIndex += 1
        totalWritten += 1
    }

    /// Appends a non-negative integer in decimal.
    public func append(decimal value: Int) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch
        withUnsafeMutableBytes(of: &digits) { scratch in
            var v = value < 0 ? 0 : value
            var i = scratch.count
            repeat {
                i -= 1
                scratch[i] = UInt8(truncatingIfNeeded: 48 + v % 10)
                v /= 10
            } while v > 0
            append(UnsafeRawBufferPointer(rebasing: scratch[i...]))
        }
    }

    /// Reads from `fd` into the buffer until the socket would block, the peer closed, or
    /// `limit` bytes are buffered. Returns the last result and whether the socket may hold more.
    ///
    /// A short read is taken as "drained" (the next byte brings a new edge) unless
    /// `peerClosed` says the peer's FIN is already queued (`EV_CLOSED`): then reading goes on
    /// until end of file, which no later edge would report.
    public func read(from fd: Int32, limit: Int, peerClosed: Bool = false) -> (result: IOResult, drained: Bool) {
        var last = IOResult.wouldBlock
        while count < limit {
            let window = readingWindow(limit: limit)
            last = Socket.read(fd, into: window)
            guard case .bytes(let n) = last else { return (last, true) }
            commit(n)
            // A short read on a stream socket empties its receive queue: the next byte brings a new edge.
            if n < window.count && !peerClosed { return (last, true) }
        }
        return (last, false)
    }

    /// Space to read into while fewer than `limit` bytes are buffered (at most 16 KiB is made room for at
    /// once); ``commit(_:)`` then keeps what was read. Valid until the next mutation.
    @inline(__always)
    public func readingWindow(limit: Int) -> UnsafeMutableRawBufferPointer {
        let space = writableSpace(minimum: min(16384, max(1, limit - count)))
        return UnsafeMutableRawBufferPointer(rebasing: space[..<min(space.count, max(0, limit - count))])
    }

    /// Keeps `n` bytes just read into ``readingWindow(limit:)``.
    @inline(__always)
    public func commit(_ n: Int) {
        writerIndex += n
        totalWritten += n
    }

    /// Writes as much as the socket takes. Returns the last result.
    public func write(to fd: Int32) -> IOResult {
        var last = IOResult.bytes(0)
        while !isEmpty {
            last = Socket.write(fd, from: readable)
            guard case .bytes(let n) = last else { return last }
            consume(n)
        }
        return last
    }

    /// Frees storage above `keeping` bytes when nothing is buffered.
    public func shrinkIfIdle(keeping: Int = 16384) {
        guard isEmpty, capacity > keeping else { return }
        free(storage)
        storage = nil
        capacity = 0
        readerIndex = 0
        writerIndex = 0
    }

    private func compact() {
        guard let storage else { return }
        let n = count
        if n > 0 { memmove(storage, storage + readerIndex, n) }
        readerIndex = 0
        writerIndex = n
    }

    private func grow(to newCapacity: Int) {
        compact()
        guard let grown = realloc(storage, newCapacity) else { fatalError("out of memory") }
        storage = grown
        capacity = newCapacity
    }
}
