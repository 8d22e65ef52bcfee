/// A write position in a buffer whose size the caller has already bounded: plain stores, no capacity or
/// uniqueness checks per byte. Used to format access log lines (about 0.3 KB each) in one allocation.
struct ByteCursor {
    /// The next byte to write.
    private(set) var position: UnsafeMutablePointer<UInt8>

    /// A cursor at `start`.
    init(_ start: UnsafeMutablePointer<UInt8>) { position = start }

    @inline(__always)
    mutating func put(_ byte: UInt8) {
        position.pointee = byte
        position += 1
    }

    @inline(__always)
    mutating func put(_ text: StaticString) {
        position.update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        position += text.utf8CodeUnitCount
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        position.update(from: base, count: bytes.count)
        position += bytes.count
    }

    /// Lets `write` put bytes (no more than the caller's bound allows) straight at the position; `write` returns
    /// the position after them (as ``JSONString/write(_:at:)`` and ``RFC3339/write(millis:at:)`` do).
    @inline(__always)
    mutating func put(_ write: (UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8>) {
        position = write(position)
    }

    /// Builds an array of at most `capacity` bytes by writing through a cursor.
    static func bytes(capacity: Int, _ write: (inout ByteCursor) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var cursor = ByteCursor(buffer.baseAddress!)
            write(&cursor)
            count = cursor.position - buffer.baseAddress!
            precondition(count <= capacity, "ByteCursor overran its bound")
        }
    }

    /// Appends what `write` produces (at most `capacity` bytes) to `out`.
    static func append(to out: inout [UInt8], capacity: Int, _ write: (inout ByteCursor) -> Void) {
        out.append(contentsOf: bytes(capacity: capacity, write))
    }
}
