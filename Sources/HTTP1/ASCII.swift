/// Byte constants and character classes of RFC 9110/9112, as branch-light bit tests.
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let comma: UInt8 = 0x2C
    static let equals: UInt8 = 0x3D
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let slash: UInt8 = 0x2F
    static let asterisk: UInt8 = 0x2A
    static let hash: UInt8 = 0x23

    /// tchar membership of bytes 0x00–0x7F, one character per byte ("1" = tchar), 32 per line;
    /// a constant in the binary.
    private static let tcharTable: StaticString = """
        00000000000000000000000000000000\
        01011111001101101111111111000000\
        01111111111111111111111111100011\
        11111111111111111111111111101010
        """

    /// Looks `b` up in a 128-character table of "0"/"1"; bytes from 0x80 are never members.
    @inline(__always)
    private static func isMember(_ b: UInt8, of table: StaticString) -> Bool {
        b < 128 && table.utf8Start[Int(b)] == 0x31
    }

    /// Whether `b` is a token character (RFC 9110 §5.6.2).
    @inline(__always)
    static func isTchar(_ b: UInt8) -> Bool {
        isMember(b, of: tcharTable)
    }

    /// Bytes allowed in a Host value (`uri-host [":" port]`): unreserved, "%", the sub-delims other than
    /// ",", ":" and the brackets of an IP literal. Same layout as `tcharTable`.
    private static let hostTable: StaticString = """
        00000000000000000000000000000000\
        01001111111101101111111111110100\
        01111111111111111111111111110101\
        01111111111111111111111111100010
        """

    /// Whether `b` may appear in a Host value.
    @inline(__always)
    static func isHostChar(_ b: UInt8) -> Bool {
        isMember(b, of: hostTable)
    }

    /// Whether `b` may appear in a field value other than as OWS: VCHAR or obs-text.
    @inline(__always)
    static func isFieldVisible(_ b: UInt8) -> Bool { b > 0x20 && b != 0x7F }

    /// Whether `b` is VCHAR, obs-text or SP: field content that needs no further look.
    @inline(__always)
    static func isFieldVisibleOrSP(_ b: UInt8) -> Bool { b >= 0x20 && b != 0x7F }

    /// Whether `b` is optional whitespace (SP or HTAB).
    @inline(__always)
    static func isOWS(_ b: UInt8) -> Bool { b == sp || b == htab }

    /// The value of a hexadecimal digit, or nil.
    @inline(__always)
    static func hexValue(_ b: UInt8) -> Int? {
        if (b &- 0x30) < 10 { return Int(b &- 0x30) }
        let l = b | 0x20
        if (l &- 0x61) < 6 { return Int(l &- 0x61) + 10 }
        return nil
    }
}
