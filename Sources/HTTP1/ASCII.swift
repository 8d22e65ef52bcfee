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

    /// tchar bits for bytes 0x00–0x3F: ! # $ % & ' * + - . 0-9
    static let tcharLow: UInt64 = (1 << 0x21) | (1 << 0x23) | (1 << 0x24) | (1 << 0x25) | (1 << 0x26) | (1 << 0x27)
        | (1 << 0x2A) | (1 << 0x2B) | (1 << 0x2D) | (1 << 0x2E) | (0x3FF << 0x30)
    /// tchar bits for bytes 0x40–0x7F: A-Z ^ _ ` a-z | ~
    static let tcharHigh: UInt64 = (0x3FFFFFF << (0x41 - 0x40)) | (1 << (0x5E - 0x40)) | (1 << (0x5F - 0x40))
        | (1 << (0x60 - 0x40)) | (0x3FFFFFF << (0x61 - 0x40)) | (1 << (0x7C - 0x40)) | (1 << (0x7E - 0x40))

    /// Whether `b` is a token character (RFC 9110 §5.6.2).
    @inline(__always)
    static func isTchar(_ b: UInt8) -> Bool {
        if b < 64 { return (tcharLow >> UInt64(b)) & 1 != 0 }
        if b < 128 { return (tcharHigh >> UInt64(b &- 64)) & 1 != 0 }
        return false
    }

    /// Whether `b` may appear in a field value other than as OWS: VCHAR or obs-text.
    @inline(__always)
    static func isFieldVisible(_ b: UInt8) -> Bool { b > 0x20 && b != 0x7F }

    /// Whether `b` is optional whitespace (SP or HTAB).
    @inline(__always)
    static func isOWS(_ b: UInt8) -> Bool { b == sp || b == htab }

    /// The ASCII-lowercase form of `b` (other bytes unchanged).
    @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 { (b &- 0x41) < 26 ? b | 0x20 : b }

    /// The value of a hexadecimal digit, or nil.
    @inline(__always)
    static func hexValue(_ b: UInt8) -> Int? {
        if (b &- 0x30) < 10 { return Int(b &- 0x30) }
        let l = b | 0x20
        if (l &- 0x61) < 6 { return Int(l &- 0x61) + 10 }
        return nil
    }
}
