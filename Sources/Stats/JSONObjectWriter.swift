import Essentials

/// A minimal streaming JSON writer that places the commas.
struct JSONObjectWriter {
    /// The JSON written so far (UTF-8).
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    /// A writer whose buffer has room for `capacity` bytes.
    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func begin() { open(UInt8(ascii: "{")) }
    mutating func end() { close(UInt8(ascii: "}")) }
    mutating func beginArray() { open(UInt8(ascii: "[")) }
    mutating func endArray() { close(UInt8(ascii: "]")) }

    /// Writes `"key":` (the value follows).
    mutating func key(_ key: String) {
        separate()
        JSONString.append(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes `"key":literal` where `literal` is already valid JSON (a number, `true`, `false`, `null`).
    mutating func raw(_ key: String, _ literal: String) {
        self.key(key)
        bytes.append(contentsOf: literal.utf8)
        needsComma = true
    }

    /// Writes `"key":"value"` with `value` escaped.
    mutating func string(_ key: String, _ value: String) {
        self.key(key)
        JSONString.append(value, to: &bytes)
        needsComma = true
    }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        needsComma = false
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }
}
