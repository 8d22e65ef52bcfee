// ASCII case-insensitive comparison, for HTTP header names and tokens: only the letters `A`–`Z` fold.

/// Whether `buffer[range]` equals `lowercaseLiteral` ignoring ASCII case (`lowercaseLiteral` must be ASCII and
/// lowercase). Compares eight bytes at a time.
@inlinable
public func asciiEqualsIgnoringCase(
    _ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ lowercaseLiteral: StaticString
) -> Bool {
    let count = lowercaseLiteral.utf8CodeUnitCount
    guard range.count == count, range.lowerBound >= 0, range.upperBound <= buffer.count else { return false }
    let literal = UnsafeRawPointer(lowercaseLiteral.utf8Start)
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    var i = 0
    // Eight bytes at a time: add 0x20 to exactly the bytes 'A'...'Z', then compare words.
    while i &+ 8 <= count {
        let x = buffer.loadUnaligned(fromByteOffset: range.lowerBound &+ i, as: UInt64.self)
        let low7 = x & ~highs
        let atLeastA = low7 &+ ones &* (0x80 - 0x41)
        let atLeastAfterZ = low7 &+ ones &* (0x80 - 0x5B)
        let upper = atLeastA & ~atLeastAfterZ & ~x & highs
        if x | (upper >> 2) != literal.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i &+= 8
    }
    while i < count {
        if buffer[range.lowerBound &+ i].asciiLowercased != literal.load(fromByteOffset: i, as: UInt8.self) { return false }
        i &+= 1
    }
    return true
}

extension UInt8 {
    /// The ASCII-lowercase form of the byte (bytes other than `A`–`Z` unchanged).
    @inlinable
    public var asciiLowercased: UInt8 { (self &- 0x41) < 26 ? self | 0x20 : self }
}

extension UnsafeRawBufferPointer {
    /// Whether the bytes equal `literal` (ASCII and lowercase) ignoring ASCII case.
    @inlinable
    public func equalsLowercase(_ literal: StaticString) -> Bool {
        asciiEqualsIgnoringCase(self, 0..<count, literal)
    }
}
