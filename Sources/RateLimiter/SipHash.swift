/// SipHash-2-4 (Aumasson & Bernstein), 64- and 128-bit outputs, over raw bytes.
/// Used for the memory store's identity keys and for `KeyHasher`.
struct SipHash {
    let key0: UInt64
    let key1: UInt64

    /// A key drawn from the system's random source, once per process.
    static let processKey = SipHash(key0: UInt64.random(in: .min ... .max), key1: UInt64.random(in: .min ... .max))

    /// A fresh random key.
    static func random() -> SipHash {
        SipHash(key0: UInt64.random(in: .min ... .max), key1: UInt64.random(in: .min ... .max))
    }

    func hash64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var state = State(key0: key0, key1: key1, wide: false)
        state.compress(bytes)
        return state.finish64(wide: false)
    }

    func hash128(_ bytes: UnsafeRawBufferPointer) -> (low: UInt64, high: UInt64) {
        var state = State(key0: key0, key1: key1, wide: true)
        state.compress(bytes)
        let low = state.finish64(wide: true)
        state.v1 ^= 0xdd
        state.rounds(4)
        return (low, state.v0 ^ state.v1 ^ state.v2 ^ state.v3)
    }

    private struct State {
        var v0: UInt64, v1: UInt64, v2: UInt64, v3: UInt64

        init(key0: UInt64, key1: UInt64, wide: Bool) {
            v0 = key0 ^ 0x736f_6d65_7073_6575
            v1 = key1 ^ 0x646f_7261_6e64_6f6d ^ (wide ? 0xee : 0)
            v2 = key0 ^ 0x6c79_6765_6e65_7261
            v3 = key1 ^ 0x7465_6462_7974_6573
        }

        @inline(__always)
        mutating func rounds(_ count: Int) {
            for _ in 0..<count {
                v0 &+= v1; v1 = v1.rotated(13); v1 ^= v0; v0 = v0.rotated(32)
                v2 &+= v3; v3 = v3.rotated(16); v3 ^= v2
                v0 &+= v3; v3 = v3.rotated(21); v3 ^= v0
                v2 &+= v1; v1 = v1.rotated(17); v1 ^= v2; v2 = v2.rotated(32)
            }
        }

        @inline(__always)
        mutating func absorb(_ word: UInt64) {
            v3 ^= word
            rounds(2)
            v0 ^= word
        }

        mutating func compress(_ bytes: UnsafeRawBufferPointer) {
            let count = bytes.count
            let whole = count & ~7
            var offset = 0
            while offset < whole {
                absorb(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                offset += 8
            }
            var last = UInt64(truncatingIfNeeded: count) << 56
            var shift: UInt64 = 0
            while offset < count {
                last |= UInt64(bytes[offset]) << shift
                shift += 8
                offset += 1
            }
            absorb(last)
        }

        mutating func finish64(wide: Bool) -> UInt64 {
            v2 ^= wide ? 0xee : 0xff
            rounds(4)
            return v0 ^ v1 ^ v2 ^ v3
        }
    }
}

extension UInt64 {
    @inline(__always)
    func rotated(_ bits: UInt64) -> UInt64 {
        (self << bits) | (self >> (64 &- bits))
    }
}

/// Runs `body` over the UTF-8 bytes of `text`, copying only when the text is not contiguous.
@inline(__always)
func withUTF8Bytes<S: StringProtocol, R>(_ text: S, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    if let result = text.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
        return result
    }
    var copy = String(text)
    return copy.withUTF8 { body(UnsafeRawBufferPointer($0)) }
}
