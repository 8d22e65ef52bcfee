/// Eight-bytes-at-a-time checks (SIMD within a register) for the long runs of a head: field values and
/// request targets. Each answers "might this word contain a byte that stops the run?"; when it says no,
/// all eight bytes are known to be ordinary and the scanner skips them at once.
enum SWAR {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether any byte of `x` is below `n` (n <= 128).
    @inline(__always)
    static func hasByteBelow(_ x: UInt64, _ n: UInt8) -> Bool {
        (x &- ones &* UInt64(n)) & ~x & highs != 0
    }

    /// Whether any byte of `x` equals `b`.
    @inline(__always)
    static func hasByte(_ x: UInt64, _ b: UInt8) -> Bool {
        let y = x ^ (ones &* UInt64(b))
        return (y &- ones) & ~y & highs != 0
    }

    /// Whether the word may hold a byte that is not plain field content: a CTL (including HTAB, CR, LF)
    /// or DEL. SP and obs-text count as plain.
    @inline(__always)
    static func mayStopFieldValue(_ x: UInt64) -> Bool {
        hasByteBelow(x, 0x20) || hasByte(x, 0x7F)
    }

    /// Whether the word may hold a byte outside 0x21–0x7E (what a request target may contain) or a `#`
    /// (which starts a fragment, never sent).
    @inline(__always)
    static func mayStopTarget(_ x: UInt64) -> Bool {
        hasByteBelow(x, 0x21) || hasByte(x, 0x7F) || x & highs != 0 || hasByte(x, 0x23)
    }
}
