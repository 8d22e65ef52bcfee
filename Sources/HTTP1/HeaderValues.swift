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
