import Resilience

/// `X-Request-Id` rules of SPEC §4: the client's when it is 1–128 characters of
/// `[A-Za-z0-9._-]`, else a new random UUID.
enum RequestID {
    /// Whether the bytes are an acceptable client-supplied request id.
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 1 && bytes.count <= 128 else { return false }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                continue
            default:
                return false
            }
        }
        return true
    }

    /// The client's valid `X-Request-Id` in a raw head that could not be parsed (a 400, 413 or
    /// 431 still carries the client's id): a line-by-line scan, nothing trusted beyond the
    /// id's own strict character set.
    static func find(inRawHead bytes: UnsafeRawBufferPointer) -> String? {
        let name: StaticString = "x-request-id:"
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 10 { lineEnd += 1 }
            if lineEnd == lineStart || (lineEnd == lineStart + 1 && bytes[lineStart] == 13) { return nil }  // end of head
            if lineEnd - lineStart > name.utf8CodeUnitCount,
               UnsafeRawBufferPointer(rebasing: bytes[lineStart..<(lineStart + name.utf8CodeUnitCount)]).equalsLowercase(name) {
                var start = lineStart + name.utf8CodeUnitCount
                var end = lineEnd
                if end > start && bytes[end - 1] == 13 { end -= 1 }
                while start < end && (bytes[start] == 32 || bytes[start] == 9) { start += 1 }
                while end > start && (bytes[end - 1] == 32 || bytes[end - 1] == 9) { end -= 1 }
                let value = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                return isValid(value) ? String(decoding: value, as: UTF8.self) : nil
            }
            lineStart = lineEnd + 1
        }
        return nil
    }

    /// A random (version 4) UUID in lowercase text.
    static func generate(using generator: inout FastRandom) -> String {
        // Version 4 (bits 48–51 = 0100) and variant 10 (bits 64–65) in a 128-bit random number.
        let high = (generator.next() & ~0x0000_0000_0000_F000) | 0x0000_0000_0000_4000
        let low = (generator.next() & ~0xC000_0000_0000_0000) | 0x8000_0000_0000_0000
        return String(unsafeUninitializedCapacity: 36) { text in
            let hex: StaticString = "0123456789abcdef"
            var position = 0
            for nibble in 0..<32 {
                if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 {
                    text[position] = UInt8(ascii: "-")
                    position += 1
                }
                let word = nibble < 16 ? high : low
                let value = Int((word >> UInt64(60 - 4 * (nibble % 16))) & 0xF)
                text[position] = hex.utf8Start[value]
                position += 1
            }
            return 36
        }
    }
}
