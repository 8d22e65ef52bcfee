/// A fast, non-cryptographic generator (xoshiro256**) seeded from the system, one per worker: retry jitter
/// and request ids need spread and uniqueness, not secrecy.
public struct FastRandom: RandomNumberGenerator, Sendable {
    @usableFromInline var s: (UInt64, UInt64, UInt64, UInt64)

    /// A generator seeded from the system's random source.
    public init() {
        var system = SystemRandomNumberGenerator()
        s = (system.next(), system.next(), system.next(), system.next())
        if s == (0, 0, 0, 0) { s.0 = 1 }
    }

    /// A generator with a fixed seed, for reproducible tests.
    public init(seed: UInt64) {
        s = (seed | 1, seed ^ 0x9e37_79b9_7f4a_7c15, ~seed, seed &* 0xbf58_476d_1ce4_e5b9)
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = FastRandom.rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = FastRandom.rotl(s.3, 45)
        return result
    }

    @inlinable
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
