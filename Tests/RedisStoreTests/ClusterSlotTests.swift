import RedisStore
import XCTest

final class ClusterSlotTests: XCTestCase {
    func testCRC16IsXMODEM() {
        XCTAssertEqual(ClusterSlot.crc16(Array("123456789".utf8)), 0x31C3)  // the CRC catalogue's check value
        XCTAssertEqual(ClusterSlot.crc16([]), 0)
    }

    func testSlotsAreThoseRedisClusterGives() {
        // CLUSTER KEYSLOT on Redis 7: foo 12182, bar 5061, hello 866.
        XCTAssertEqual(ClusterSlot.of("foo"), 12182)
        XCTAssertEqual(ClusterSlot.of("bar"), 5061)
        XCTAssertEqual(ClusterSlot.of("hello"), 866)
    }

    func testAHashTagChoosesTheSlotAndAnEmptyTagDoesNot() {
        XCTAssertEqual(ClusterSlot.of("{user1000}.following"), ClusterSlot.of("user1000"))
        XCTAssertEqual(ClusterSlot.of("{user1000}.followers"), ClusterSlot.of("user1000"))
        XCTAssertEqual(ClusterSlot.of("foo{bar}{zap}"), ClusterSlot.of("bar"))
        XCTAssertEqual(ClusterSlot.of("foo{{bar}}zap"), ClusterSlot.of("{bar"))
        XCTAssertEqual(ClusterSlot.of("foo{}{bar}"), Int(ClusterSlot.crc16(Array("foo{}{bar}".utf8))) % 16384)
        XCTAssertEqual(ClusterSlot.of("foo{bar"), Int(ClusterSlot.crc16(Array("foo{bar".utf8))) % 16384)
    }

    func testSluiceKeysSpreadOverEverySlotRange() {
        let slots = (0..<3000).map { ClusterSlot.of(RedisRateLimitKey.key(for: "key-\($0)")) }
        XCTAssertTrue(slots.allSatisfy { (0..<16384).contains($0) })
        for third in 0..<3 {  // the three masters of a 3-master cluster each get about a third
            let share = slots.filter { $0 * 3 / 16384 == third }.count
            XCTAssertGreaterThan(share, 800, "slot range \(third)")
        }
    }
}
