import OpenSSLBinding
import XCTest

/// SHA-256 against the FIPS 180-4 / NIST test vectors, and the hex form keys files carry.
final class SHA256DigestTests: XCTestCase {
    func testDigestsMatchTheNISTVectors() {
        XCTAssertEqual(SHA256Digest(hashing: "").hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256Digest(hashing: "abc").hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            SHA256Digest(hashing: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hex,
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        XCTAssertEqual(SHA256Digest(hashing: million).hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testEveryInputFormGivesTheSameDigest() {
        let text = "keva_live_0123456789abcdef"
        let bytes = Array(text.utf8)
        let fromBuffer = bytes.withUnsafeBytes { SHA256Digest(hashing: $0) }
        XCTAssertEqual(SHA256Digest(hashing: text), fromBuffer)
        XCTAssertEqual(SHA256Digest(hashing: bytes), fromBuffer)
        XCTAssertEqual(SHA256Digest(hashing: text.dropFirst(0)), fromBuffer, "a Substring hashes its own bytes")
        XCTAssertNotEqual(SHA256Digest(hashing: text.dropLast()), fromBuffer)
    }

    func testHexRoundTripsAndOnlyLowercase64DigitsParse() throws {
        let digest = SHA256Digest(hashing: "abc")
        XCTAssertEqual(SHA256Digest(hex: digest.hex), digest)
        XCTAssertNil(SHA256Digest(hex: digest.hex.uppercased()), "one digest, one spelling")
        XCTAssertNil(SHA256Digest(hex: String(digest.hex.dropLast())), "63 digits")
        XCTAssertNil(SHA256Digest(hex: digest.hex + "0"), "65 digits")
        XCTAssertNil(SHA256Digest(hex: String(digest.hex.dropLast()) + "g"))
        XCTAssertNil(SHA256Digest(hex: ""))
    }

    func testBytesFormKeepsMemoryOrderAndLeadingWord() throws {
        let digest = SHA256Digest(hashing: "abc")
        let bytes = digest.withUnsafeBytes { Array($0) }
        XCTAssertEqual(bytes.count, 32)
        XCTAssertEqual(bytes.prefix(4), [0xba, 0x78, 0x16, 0xbf])
        XCTAssertEqual(bytes.withUnsafeBytes { SHA256Digest(bytes: $0) }, digest)
        XCTAssertNil(bytes.dropLast().withUnsafeBytes { SHA256Digest(bytes: $0) })
        XCTAssertEqual(digest.leadingWord, bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
    }

    func testDigestsThatDifferOnlyInTheLastByteAreUnequal() {
        var bytes = SHA256Digest(hashing: "abc").withUnsafeBytes { Array($0) }
        let original = bytes.withUnsafeBytes { SHA256Digest(bytes: $0)! }
        bytes[31] ^= 1
        let changed = bytes.withUnsafeBytes { SHA256Digest(bytes: $0)! }
        XCTAssertNotEqual(original, changed)
        XCTAssertEqual(original.leadingWord, changed.leadingWord)
        XCTAssertEqual(Set([original, changed, original]).count, 2)
    }
}
