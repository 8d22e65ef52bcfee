/// JSON string escaping (RFC 8259), the one escaper of the envelope writer, `/stats` and the access log.
///
/// Quotes and backslashes are escaped, every control character below U+0020 becomes a short escape (`\n`, `\t`,
/// …) or `\u00XX`. Swift strings are always valid UTF-8 (bytes that are not, e.g. from
/// `String(decoding:as:)`, are already replaced by U+FFFD), so the output is valid UTF-8 JSON for any input.
public enum JSONString {
    /// The most bytes ``write(_:at:)`` can produce for `value`: every byte escaped as `\u00XX`, plus the quotes.
    @inlinable
    public static func maxCount(_ value: String) -> Int { value.utf8.count &* 6 &+ 2 }

    /// Appends `value` as a quoted JSON string to `out`.
    public static func append(_ value: String, to out: inout [UInt8]) {
        let start = out.count
        let bound = maxCount(value)
        out.append(contentsOf: repeatElement(0, count: bound))
        let written = out.withUnsafeMutableBufferPointer { buffer in
            write(value, at: buffer.baseAddress! + start) - (buffer.baseAddress! + start)
        }
        out.removeLast(bound - written)
    }

    /// Writes `value` as a quoted JSON string at `out` (room for ``maxCount(_:)`` bytes); returns the position
    /// after it. Strings with nothing to escape are copied in one go.
    @inlinable
    public static func write(_ value: String, at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var out = out
        out.pointee = UInt8(ascii: "\"")
        out += 1
        var value = value
        value.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            if !bytes.contains(where: needsEscape) {
                out.update(from: base, count: bytes.count)
                out += bytes.count
            } else {
                for byte in bytes { out = writeEscaped(byte, at: out) }
            }
        }
        out.pointee = UInt8(ascii: "\"")
        return out + 1
    }

    @inlinable @inline(__always)
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    @usableFromInline
    static func writeEscaped(_ byte: UInt8, at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let short: UInt8
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): short = byte
        case 0x0A: short = UInt8(ascii: "n")
        case 0x0D: short = UInt8(ascii: "r")
        case 0x09: short = UInt8(ascii: "t")
        case 0x08: short = UInt8(ascii: "b")
        case 0x0C: short = UInt8(ascii: "f")
        case 0x00..<0x20:
            let hex: StaticString = "0123456789abcdef"
            (out[0], out[1], out[2], out[3]) = (UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"))
            (out[4], out[5]) = (hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0x0F)])
            return out + 6
        default:
            out.pointee = byte
            return out + 1
        }
        (out[0], out[1]) = (UInt8(ascii: "\\"), short)
        return out + 2
    }
}
