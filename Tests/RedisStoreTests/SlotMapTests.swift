import RedisStore
import XCTest

final class SlotMapTests: XCTestCase {
    private let asked = RedisAddress(host: "127.0.0.1", port: 7000)

    private func node(_ host: String, _ port: Int64, _ id: String) -> RedisValue {
        .array([.bulk(Array(host.utf8)), .integer(port), .bulk(Array(id.utf8))])
    }

    func testClusterSlotsReplyGivesEachSlotItsMasterNotItsReplica() throws {
        let reply = RedisValue.array([
            .array([.integer(0), .integer(5460), node("127.0.0.1", 7000, "a"), node("127.0.0.1", 7003, "d")]),
            .array([.integer(5461), .integer(10922), node("127.0.0.1", 7001, "b"), node("127.0.0.1", 7004, "e")]),
            .array([.integer(10923), .integer(16383), node("", 7002, "c")]),
        ])
        let map = try XCTUnwrap(SlotMap(clusterSlots: reply, replying: asked))
        XCTAssertEqual(map.master(of: 0), RedisAddress(host: "127.0.0.1", port: 7000))
        XCTAssertEqual(map.master(of: 5460), RedisAddress(host: "127.0.0.1", port: 7000))
        XCTAssertEqual(map.master(of: 5461), RedisAddress(host: "127.0.0.1", port: 7001))
        XCTAssertEqual(map.master(of: 16383), RedisAddress(host: "127.0.0.1", port: 7002), "an empty host is the replying node's")
        XCTAssertEqual(map.masters.count, 3)
    }

    func testUncoveredSlotsHaveNoMasterAndAMovedSlotChangesAlone() throws {
        var map = try XCTUnwrap(SlotMap(clusterSlots: .array([
            .array([.integer(0), .integer(99), node("10.0.0.1", 6379, "a")]),
        ]), replying: asked))
        XCTAssertNil(map.master(of: 100))
        map.assign(50...50, to: RedisAddress(host: "10.0.0.2", port: 6379))
        XCTAssertEqual(map.master(of: 50), RedisAddress(host: "10.0.0.2", port: 6379))
        XCTAssertEqual(map.master(of: 49), RedisAddress(host: "10.0.0.1", port: 6379))
        XCTAssertEqual(map.master(of: 51), RedisAddress(host: "10.0.0.1", port: 6379))
    }

    func testRepliesOfAnotherShapeAreRefused() {
        XCTAssertNil(SlotMap(clusterSlots: .error("ERR This instance has cluster support disabled"), replying: asked))
        XCTAssertNil(SlotMap(clusterSlots: .array([.array([.integer(10), .integer(5), node("a", 1, "x")])]), replying: asked))
        XCTAssertNil(SlotMap(clusterSlots: .array([.array([.integer(0), .integer(16384), node("a", 1, "x")])]), replying: asked))
        XCTAssertNil(SlotMap(clusterSlots: .array([.array([.integer(0), .integer(5), node("a", 0, "x")])]), replying: asked))
        XCTAssertNil(SlotMap(clusterSlots: .array([.array([.integer(0), .integer(5)])]), replying: asked))
        XCTAssertEqual(SlotMap(clusterSlots: .array([]), replying: asked)?.isEmpty, true)
    }
}
