/// Minimal JSON writing for the demo upstream's answers.
enum JSONText {
    /// A JSON string literal; bytes outside ASCII are written as `\u00XX` so raw targets survive exactly.
    static func quote(bytes: some Sequence<UInt8>) -> String {
        var out = "\""
        for byte in bytes {
            switch byte {
            case 34: out += "\\\""
            case 92: out += "\\\\"
            case 10: out += "\\n"
            case 13: out += "\\r"
            case 9: out += "\\t"
            case 0..<32, 127...255:
                let hex = String(byte, radix: 16)
                out += "\\u00" + (hex.count == 1 ? "0" + hex : hex)
            default: out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out + "\""
    }

    static func quote(_ text: String) -> String { quote(bytes: text.utf8) }
}
