import RedisStore
import XCTest

final class RedirectionTests: XCTestCase {
    private let replying = RedisAddress(host: "10.0.0.9", port: 7000)

    func testMovedAndAskAreReadWithTheirSlotAndNode() {
        XCTAssertEqual(RedisRedirection(error: "MOVED 3999 127.0.0.1:6381", replying: replying),
                       .moved(slot: 3999, to: RedisAddress(host: "127.0.0.1", port: 6381)))
        XCTAssertEqual(RedisRedirection(error: "ASK 3999 127.0.0.1:6381", replying: replying),
                       .ask(slot: 3999, to: RedisAddress(host: "127.0.0.1", port: 6381)))
        XCTAssertEqual(RedisRedirection(error: "MOVED 1 :6380", replying: replying),
                       .moved(slot: 1, to: RedisAddress(host: "10.0.0.9", port: 6380)), "empty host: the replying node's")
        XCTAssertEqual(RedisRedirection(error: "MOVED 1 ::1:6380", replying: replying)?.target,
                       RedisAddress(host: "::1", port: 6380))
    }

    func testOtherErrorsAreNoRedirection() {
        for text in ["CLUSTERDOWN The cluster is down", "TRYAGAIN Multiple keys request during rehashing of slot",
                     "NOAUTH Authentication required.", "MOVED 16384 127.0.0.1:1", "MOVED x 127.0.0.1:1",
                     "MOVED 1 127.0.0.1", "MOVED 1 127.0.0.1:0", "ASKING 1 127.0.0.1:1"] {
            XCTAssertNil(RedisRedirection(error: text, replying: replying), text)
        }
    }

    func testMovedRemapsTheSlotAskDoesNotAndBothStopAtTheLimit() {
        let target = RedisAddress(host: "127.0.0.1", port: 7001)
        let policy = RedirectionPolicy(limit: 5)
        XCTAssertEqual(policy.step(after: .moved(slot: 7, to: target), followed: 0),
                       .resend(to: target, asking: false, remapSlot: 7))
        XCTAssertEqual(policy.step(after: .ask(slot: 7, to: target), followed: 4),
                       .resend(to: target, asking: true, remapSlot: nil))
        XCTAssertEqual(policy.step(after: .moved(slot: 7, to: target), followed: 5), .giveUp)
        XCTAssertEqual(policy.step(after: .ask(slot: 7, to: target), followed: 5), .giveUp)
    }
}
