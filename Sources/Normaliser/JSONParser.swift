/// A small, strict RFC 8259 JSON parser that keeps object member order.
///
/// Returns nil for anything that is not exactly one JSON text: syntax errors, trailing bytes, invalid
/// UTF-8, lone surrogate escapes, raw control characters in strings, a byte-order mark, or nesting
/// deeper than `maxDepth`. It never traps, whatever the input.
public enum JSONParser {
    /// The default nesting limit (arrays plus objects).
    public static let defaultMaxDepth = 64

    /// Parses `bytes` as one JSON text, or returns nil.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) -> JSONValue? {
        bytes.withUnsafeBufferPointer { buffer in
            var cursor = Cursor(bytes: buffer, maxDepth: maxDepth)
            cursor.skipWhitespace()
            guard let value = cursor.parseValue(depth: 0) else { return nil }
            cursor.skipWhitespace()
            return cursor.index == buffer.count ? value : nil
        }
    }

    /// Parses the UTF-8 of `text` as one JSON text, or returns nil.
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) -> JSONValue? {
        parse(Array(text.utf8), maxDepth: maxDepth)
    }
}

/// The parser state: a position in the input.
private struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Consumes `word` if the input continues with it.
    mutating func consume(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        let start = word.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] {
            return false
        }
        index += count
        return true
    }

    mutating func parseValue(depth: Int) -> JSONValue? {
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"): return parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return parseString().map(JSONValue.string)
        case UInt8(ascii: "t"): return consume("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return consume("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return consume("null") ? .null : nil
        default: return parseNumber()
        }
    }

    mutating func parseNumber() -> JSONValue? {
        guard let length = JSONNumberSyntax.length(in: bytes, from: index) else { return nil }
        let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<index + length]), as: UTF8.self)
        index += length
        return .number(literal)
    }

    mutating func parseArray(depth: Int) -> JSONValue? {
        guard depth <= maxDepth else { return nil }
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            guard let element = parseValue(depth: depth) else { return nil }
            elements.append(element)
            skipWhitespace()
            guard index < bytes.count else { return nil }
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "]") { return .array(elements) }
            guard byte == UInt8(ascii: ",") else { return nil }
        }
    }

    mutating func parseObject(depth: Int) -> JSONValue? {
        guard depth <= maxDepth else { return nil }
        index += 1  // {
        var members: [JSONMember] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let name = parseString() else { return nil }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            skipWhitespace()
            guard let value = parseValue(depth: depth) else { return nil }
            members.append(JSONMember(name: name, value: value))
            skipWhitespace()
            guard index < bytes.count else { return nil }
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "}") { return .object(members) }
            guard byte == UInt8(ascii: ",") else { return nil }
        }
    }

    /// Parses a string starting at its opening quote; validates UTF-8 and escapes.
    mutating func parseString() -> String? {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return Self.string(fromUTF8: raw)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { return nil }
            index += 1
        }
        guard index < bytes.count else { return nil }
        var decoded = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return decoded.withUnsafeBufferPointer { Self.string(fromUTF8: $0) }
            }
            if byte < 0x20 { return nil }
            if byte != UInt8(ascii: "\\") {
                decoded.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { return nil }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                guard let scalar = parseUnicodeEscape() else { return nil }
                decoded.append(contentsOf: String(Character(scalar)).utf8)
            default: return nil
            }
        }
        return nil
    }

    /// The string of `raw`, or nil if it is not valid UTF-8 (ASCII, the common case, skips the generic validator).
    static func string(fromUTF8 raw: UnsafeBufferPointer<UInt8>) -> String? {
        var isASCII = true
        for byte in raw where byte >= 0x80 {
            isASCII = false
            break
        }
        return isASCII ? String(decoding: raw, as: UTF8.self) : String(validating: raw, as: UTF8.self)
    }

    /// Parses the hex digits after `\u` (and a following `\uDC00`-`\uDFFF` for a surrogate pair).
    mutating func parseUnicodeEscape() -> Unicode.Scalar? {
        guard let first = parseHex4() else { return nil }
        switch first {
        case 0xD800...0xDBFF:
            guard consume("\\u"), let second = parseHex4(), (0xDC00...0xDFFF).contains(second) else { return nil }
            return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
        case 0xDC00...0xDFFF:
            return nil
        default:
            return Unicode.Scalar(first)
        }
    }

    mutating func parseHex4() -> UInt32? {
        guard bytes.count - index >= 4 else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
