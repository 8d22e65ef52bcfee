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

    /// SipHash-2-4 with a 64-bit output.
    func hash64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var state = State(key0: key0, key1: key1, wide: false)
        state.compress(bytes, rounds: 2)
        return state.finish64(wide: false, rounds: 4)
    }

    /// SipHash with a 128-bit output; 2-4 by default, 1-3 (the variant Swift's and Rust's hash
    /// tables use against flooding) when speed matters more than a cryptographic margin.
    @inline(__always)
    func hash128(
        _ bytes: UnsafeRawBufferPointer, compressionRounds: Int = 2, finalRounds: Int = 4
    ) -> (low: UInt64, high: UInt64) {
        var state = State(key0: key0, key1: key1, wide: true)
        state.compress(bytes, rounds: compressionRounds)
        let low = state.finish64(wide: true, rounds: finalRounds)
        state.v1 ^= 0xdd
        state.rounds(finalRounds)
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
        mutating func absorb(_ word: UInt64, rounds count: Int) {
            v3 ^= word
            rounds(count)
            v0 ^= word
        }

        @inline(__always)
        mutating func compress(_ bytes: UnsafeRawBufferPointer, rounds count: Int) {
            let whole = bytes.count & ~7
            var offset = 0
            while offset < whole {
                absorb(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)), rounds: count)
                offset += 8
            }
            let length = bytes.count
            var last = UInt64(truncatingIfNeeded: length) << 56
            var shift: UInt64 = 0
            while offset < length {
                last |= UInt64(bytes[offset]) << shift
                shift += 8
                offset += 1
            }
            absorb(last, rounds: count)
        }

        @inline(__always)
        mutating func finish64(wide: Bool, rounds count: Int) -> UInt64 {
            v2 ^= wide ? 0xee : 0xff
            rounds(count)
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
