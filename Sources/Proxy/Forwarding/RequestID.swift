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
    static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(i)))
            bytes[8 + i] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(i)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { text.append(UInt8(ascii: "-")) }
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// A fast, non-cryptographic generator (xoshiro256**) seeded from the system, one per worker:
/// request ids need uniqueness, not secrecy.
struct FastRandom: RandomNumberGenerator {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init() {
        var system = SystemRandomNumberGenerator()
        s = (system.next(), system.next(), system.next(), system.next())
        if s == (0, 0, 0, 0) { s.0 = 1 }
    }

    mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
