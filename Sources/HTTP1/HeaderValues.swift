/// Case-insensitive comparison of a buffer range with an ASCII-lowercase literal, for header names and tokens.
/// Only ASCII letters are folded; `lowercaseLiteral` must be ASCII and lowercase.
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
        let b = buffer[range.lowerBound &+ i]
        let folded = (b &- 0x41) < 26 ? b | 0x20 : b
        if folded != literal.load(fromByteOffset: i, as: UInt8.self) { return false }
        i &+= 1
    }
    return true
}

/// Allocation-free iterator over the elements of a comma-separated list (such as a `Connection` value),
/// as ranges trimmed of OWS, skipping empty elements.
struct CommaSeparatedTokens: IteratorProtocol {
    let buffer: UnsafeRawBufferPointer
    var start: Int
    let end: Int

    init(buffer: UnsafeRawBufferPointer, range: Range<Int>) {
        self.buffer = buffer
        self.start = range.lowerBound
        self.end = range.upperBound
    }

    mutating func next() -> Range<Int>? {
        while start < end {
            var stop = start
            while stop < end && buffer[stop] != ASCII.comma { stop += 1 }
            var lo = start
            var hi = stop
            start = stop + 1
            while lo < hi && ASCII.isOWS(buffer[lo]) { lo += 1 }
            while hi > lo && ASCII.isOWS(buffer[hi - 1]) { hi -= 1 }
            if lo < hi { return lo..<hi }
        }
        return nil
    }
}

/// Parses a Content-Length value: 1*DIGIT only (no sign, no list, no whitespace), at most 18 digits.
/// Returns nil for anything else, including overflow.
func parseContentLength(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
    guard !range.isEmpty, range.count <= 18 else { return nil }
    var value = 0
    for i in range {
        let digit = buffer[i] &- 0x30
        guard digit < 10 else { return nil }
        value = value &* 10 &+ Int(digit)
    }
    return value
}
