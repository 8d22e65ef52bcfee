/// The RFC 8259 number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
enum JSONNumberSyntax {
    /// The length of the number literal starting at `start`, or nil when the bytes there are not one.
    static func length(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        let end = bytes.count
        if index < end, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < end else { return nil }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(bytes[index]) {
            while index < end, isDigit(bytes[index]) { index += 1 }
        } else {
            return nil
        }
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < end, isDigit(bytes[index]) else { return nil }
            while index < end, isDigit(bytes[index]) { index += 1 }
        }
        if index < end, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < end, isDigit(bytes[index]) else { return nil }
            while index < end, isDigit(bytes[index]) { index += 1 }
        }
        return index - start
    }

    /// Whether `literal` is exactly one JSON number.
    static func isValid(_ literal: String) -> Bool {
        var text = literal
        return text.withUTF8 { bytes in
            length(in: bytes, from: 0) == bytes.count
        }
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
