/// Case-insensitive comparison of a buffer range with an ASCII-lowercase literal, for header names and tokens.
/// Only ASCII letters are folded; `lowercaseLiteral` must be ASCII and lowercase.
@inlinable
public func asciiEqualsIgnoringCase(
    _ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ lowercaseLiteral: StaticString
) -> Bool {
    let count = lowercaseLiteral.utf8CodeUnitCount
    guard range.count == count, range.lowerBound >= 0, range.upperBound <= buffer.count else { return false }
    let literal = lowercaseLiteral.utf8Start
    var i = 0
    while i < count {
        let b = buffer[range.lowerBound &+ i]
        let folded = (b &- 0x41) < 26 ? b | 0x20 : b
        if folded != literal[i] { return false }
        i &+= 1
    }
    return true
}

/// Tokens of a comma-separated header value (for `Connection`), as ranges with surrounding OWS removed;
/// empty list elements are skipped.
public func commaSeparatedTokens(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> [Range<Int>] {
    var tokens: [Range<Int>] = []
    forEachCommaSeparatedToken(buffer, range) { tokens.append($0) }
    return tokens
}

/// Calls `body` with each element of a comma-separated list, trimmed of OWS, skipping empty elements.
/// Allocation-free counterpart of `commaSeparatedTokens` used on the hot path.
@inline(__always)
func forEachCommaSeparatedToken(
    _ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ body: (Range<Int>) -> Void
) {
    var start = range.lowerBound
    while start < range.upperBound {
        var end = start
        while end < range.upperBound && buffer[end] != ASCII.comma { end += 1 }
        var lo = start
        var hi = end
        while lo < hi && ASCII.isOWS(buffer[lo]) { lo += 1 }
        while hi > lo && ASCII.isOWS(buffer[hi - 1]) { hi -= 1 }
        if lo < hi { body(lo..<hi) }
        start = end + 1
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
