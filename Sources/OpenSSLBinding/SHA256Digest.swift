internal import COpenSSL

/// A SHA-256 digest: 32 bytes held inline (a value of four words, never an allocation).
///
/// `SHA256Digest(hashing:)` hashes with OpenSSL's libcrypto; `init?(hex:)` and `hex` convert from and to the
/// 64 lowercase hex digits that files and logs carry.
public struct SHA256Digest: Hashable, Sendable {
    /// The digest's bytes 0–7, 8–15, 16–23 and 24–31, each word holding its 8 bytes in memory order.
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// The number of bytes in a digest.
    public static let byteCount = 32

    /// The SHA-256 of `bytes`. Allocates nothing.
    public init(hashing bytes: UnsafeRawBufferPointer) {
        words = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { digest in
            let status = sluice_sha256(bytes.baseAddress, bytes.count, digest.baseAddress!.assumingMemoryBound(to: UInt8.self))
            precondition(status == 1, "OpenSSL SHA-256 failed")
        }
    }

    /// The SHA-256 of `bytes`.
    public init(hashing bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { SHA256Digest(hashing: $0) }
    }

    /// The SHA-256 of the UTF-8 of `text`.
    public init(hashing text: some StringProtocol) {
        if let digest = text.utf8.withContiguousStorageIfAvailable({ SHA256Digest(hashing: UnsafeRawBufferPointer($0)) }) {
            self = digest
        } else {
            self.init(hashing: Array(text.utf8))
        }
    }

    /// The digest whose 32 bytes are `bytes`, or nil when there are not exactly 32.
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == Self.byteCount else { return nil }
        words = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: bytes) }
    }

    /// The digest written as exactly 64 lowercase hex digits, or nil for anything else (upper case included,
    /// so that one digest has one spelling).
    public init?(hex: String) {
        var hex = hex
        guard let digest = hex.withUTF8({ SHA256Digest(hexDigits: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = digest
    }

    /// The digest whose 64 lowercase hex digits are the bytes `digits` (ASCII), or nil.
    public init?(hexDigits digits: UnsafeRawBufferPointer) {
        guard digits.count == 2 * Self.byteCount else { return nil }
        var bytes = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        let valid = Swift.withUnsafeMutableBytes(of: &bytes) { out -> Bool in
            var invalid: UInt8 = 0
            for index in 0..<Self.byteCount {
                let high = Self.nibble(digits[2 * index])
                let low = Self.nibble(digits[2 * index + 1])
                invalid |= (high | low) & 0xF0
                out[index] = high << 4 | (low & 0x0F)
            }
            return invalid == 0
        }
        guard valid else { return nil }
        words = bytes
    }

    /// The 64 lowercase hex digits.
    public var hex: String {
        withUnsafeBytes { bytes in
            String(unsafeUninitializedCapacity: 2 * Self.byteCount) { out in
                let digits: StaticString = "0123456789abcdef"
                for (index, byte) in bytes.enumerated() {
                    out[2 * index] = digits.utf8Start[Int(byte >> 4)]
                    out[2 * index + 1] = digits.utf8Start[Int(byte & 0x0F)]
                }
                return 2 * Self.byteCount
            }
        }
    }

    /// The first 8 bytes as one word (memory order): uniformly distributed, so a ready hash-table index.
    public var leadingWord: UInt64 { words.0 }

    /// Calls `body` with the 32 bytes.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try Swift.withUnsafeBytes(of: words, body)
    }

    public static func == (left: SHA256Digest, right: SHA256Digest) -> Bool {
        // Branch-free, so a comparison takes the same time wherever the digests differ.
        ((left.words.0 ^ right.words.0) | (left.words.1 ^ right.words.1) | (left.words.2 ^ right.words.2)
            | (left.words.3 ^ right.words.3)) == 0
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// The value of a lowercase hex digit, or 0xFF for any other byte.
    private static func nibble(_ character: UInt8) -> UInt8 {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        default: return 0xFF
        }
    }
}

extension SHA256Digest: CustomStringConvertible {
    /// The 64 lowercase hex digits.
    public var description: String { hex }
}
