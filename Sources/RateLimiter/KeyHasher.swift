/// A short keyed hash of an API key, for logs and stats: SipHash-2-4 under a per-process random key,
/// the first 12 hex digits (48 bits). Stable within one process, meaningless outside it; the key itself
/// cannot be recovered from it. Keys are never logged: log this instead.
public struct KeyHasher: Sendable {
    private let sip: SipHash

    /// A hasher with the process-wide random key (every `KeyHasher()` of a process agrees).
    public init() {
        sip = SipHash.processKey
    }

    /// A hasher with an explicit key, for tests and for hashes that must agree across processes.
    public init(key0: UInt64, key1: UInt64) {
        sip = SipHash(key0: key0, key1: key1)
    }

    /// 12 lowercase hex digits identifying `key`.
    public func hash(_ key: some StringProtocol) -> String {
        let value = withUTF8Bytes(key) { sip.hash64($0) } >> 16
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 12)
        for index in 0..<12 {
            out[index] = digits[Int((value >> UInt64(44 - 4 * index)) & 0xf)]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
