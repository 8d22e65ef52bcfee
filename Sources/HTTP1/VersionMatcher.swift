/// Matches the eight bytes `HTTP/1.0` or `HTTP/1.1` one byte at a time (case-sensitive, RFC 9112 §2.3).
struct VersionMatcher: Sendable {
    enum Step {
        case more, matched
        case failed(HTTPParseError)
    }

    private static let prefix: StaticString = "HTTP/1."
    private(set) var index = 0
    private(set) var minor: UInt8 = 0

    var version: HTTPVersion { HTTPVersion(major: 1, minor: minor) }

    /// Matches all eight bytes at once when they are at hand: `word` is the little-endian load of them.
    /// Returns false (changing nothing) unless they are exactly `HTTP/1.0` or `HTTP/1.1`.
    @inline(__always)
    mutating func matchWord(_ word: UInt64) -> Bool {
        // "HTTP/1." little-endian in the low seven bytes; the minor digit in the top byte.
        guard index == 0, word & 0x00FF_FFFF_FFFF_FFFF == 0x002E_312F_5054_5448 else { return false }
        let digit = UInt8(truncatingIfNeeded: word >> 56) &- 0x30
        guard digit < 2 else { return false }
        minor = digit
        index = 8
        return true
    }

    @inline(__always)
    mutating func step(_ b: UInt8) -> Step {
        defer { index += 1 }
        if index < 7 {
            if b == VersionMatcher.prefix.utf8Start[index] { return .more }
            // A digit where the major version stands (HTTP/2.0, HTTP/0.9) is a version we do not speak.
            if index == 5 && (b &- 0x30) < 10 { return .failed(.badRequest("Unsupported HTTP version")) }
            return .failed(.badRequest("Invalid HTTP version"))
        }
        if b == 0x30 || b == 0x31 {
            minor = b &- 0x30
            return .matched
        }
        if (b &- 0x30) < 10 { return .failed(.badRequest("Unsupported HTTP version")) }
        return .failed(.badRequest("Invalid HTTP version"))
    }
}

/// Case-sensitive comparison of a buffer range with an ASCII literal (methods are case-sensitive).
@inline(__always)
func bytesEqual(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
    let count = literal.utf8CodeUnitCount
    guard range.count == count else { return false }
    let start = literal.utf8Start
    for i in 0..<count where buffer[range.lowerBound + i] != start[i] { return false }
    return true
}
