import OpenSSLBinding
import XCTest

/// Random bytes from RAND_bytes: the requested count, and not a constant.
final class SecureRandomTests: XCTestCase {
    func testBytesHaveTheRequestedCount() throws {
        XCTAssertEqual(try SecureRandom.bytes(count: 0).count, 0)
        XCTAssertEqual(try SecureRandom.bytes(count: 17).count, 17)
        XCTAssertEqual(try SecureRandom.bytes(count: 100_000).count, 100_000)
    }

    func testTwoDrawsDiffer() throws {
        // Two equal 32-byte draws have probability 2^-256.
        XCTAssertNotEqual(try SecureRandom.bytes(count: 32), try SecureRandom.bytes(count: 32))
    }

    func testEveryByteValueAppearsInALargeDraw() throws {
        // A fill that skipped part of the buffer (left zeros) or a broken generator fails this: over 64 KiB
        // each of the 256 values is expected 256 times; missing one has probability ~256·e^-256.
        let bytes = try SecureRandom.bytes(count: 65_536)
        XCTAssertEqual(Set(bytes).count, 256)
        XCTAssertLessThan(bytes.filter { $0 == 0 }.count, 600, "the buffer was not (wholly) filled")
    }
}
