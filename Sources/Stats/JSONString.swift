/// JSON string escaping (RFC 8259), shared by `/stats` and the access log.
///
/// Quotes and backslashes are escaped, every control character below U+0020 becomes a short escape (`\n`, `\t`,
/// …) or `\u00XX`. Swift strings are always valid UTF-8 (bytes that are not, e.g. from
/// `String(decoding:as:)`, are already replaced by U+FFFD), so the output is valid UTF-8 JSON for any input.
enum JSONString {
    /// The most bytes `write` can produce for `value`: every byte escaped as `\u00XX`, plus the quotes.
    @inline(__always)
    static func maxCount(_ value: String) -> Int { value.utf8.count * 6 + 2 }

    /// Writes `value` as a quoted JSON string. Strings with nothing to escape are copied in one go.
    static func write(_ value: String, to cursor: inout ByteCursor) {
        cursor.put(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            if !bytes.contains(where: needsEscape) {
                cursor.put(bytes)
            } else {
                for byte in bytes { writeEscaped(byte, to: &cursor) }
            }
        }
        cursor.put(UInt8(ascii: "\""))
    }

    /// Appends `value` as a quoted JSON string.
    static func append(_ value: String, to out: inout [UInt8]) {
        ByteCursor.append(to: &out, capacity: maxCount(value)) { write(value, to: &$0) }
    }

    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private static func writeEscaped(_ byte: UInt8, to cursor: inout ByteCursor) {
        let backslash = UInt8(ascii: "\\")
        switch byte {
        case UInt8(ascii: "\""), backslash: cursor.put(backslash); cursor.put(byte)
        case 0x0A: cursor.put(#"\n"#)
        case 0x0D: cursor.put(#"\r"#)
        case 0x09: cursor.put(#"\t"#)
        case 0x08: cursor.put(#"\b"#)
        case 0x0C: cursor.put(#"\f"#)
        case 0x00..<0x20:
            cursor.put(#"\u00"#)
            cursor.put(hexDigit(byte >> 4))
            cursor.put(hexDigit(byte & 0x0F))
        default: cursor.put(byte)
        }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
