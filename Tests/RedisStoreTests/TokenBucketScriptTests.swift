import RateLimiter
import TestSupport
import XCTest

/// The Lua script itself, run by redis-server, against the Swift arithmetic.
final class TokenBucketScriptTests: XCTestCase {
    private var redis: RedisTestServer!

    override func setUpWithError() throws {
        redis = try RedisTestServer()
    }

    override func tearDown() {
        redis?.kill()
        redis = nil
    }

    /// A bucket of `old` shape holding `deficit`, stored as the script stores it, last touched in
    /// the future so that nothing refills; then one take under `new`. Returns the new deficit.
    private func takeAfterChange(from old: BucketShape, deficit: Int64, to new: BucketShape) -> Int64? {
        redis.cli(
            "HSET", "k", "t", "99999999999999", "d:x", String(deficit),
            "s:x", "\(old.refillPerMillisecond):\(old.tokenUnits)")
        let lines = redis.cli(
            "EVAL", RedisTokenBucketScript.source, "1", "k", "1", "x",
            String(new.refillPerMillisecond), String(new.tokenUnits)
        ).split(separator: "\n")
        return lines.count == 3 ? Int64(lines[2]) : nil
    }

    private func shape(_ requests: Int, _ milliseconds: Int64) -> BucketShape {
        BucketShape(LimitRule(name: "x", requests: requests, per: .milliseconds(milliseconds)))
    }

    func testChangedLimitConvertsHeldTokensExactlyAsTheMemoryStoreDoes() {
        var generator = SplitMix(seed: 42)
        var cases: [(BucketShape, Int64, BucketShape)] = [(shape(2, 49), 97, shape(1, 49))]  // 1/49*49 < 1 in doubles
        for _ in 0..<20 {
            let old = shape(Int(generator.next(upTo: 50)) + 1, Int64(generator.next(upTo: 90_000)) + 1)
            let new = shape(Int(generator.next(upTo: 50)) + 1, Int64(generator.next(upTo: 90_000)) + 1)
            cases.append((old, Int64(generator.next(upTo: UInt64(old.capacityUnits) + 1)), new))
        }
        for (old, deficit, new) in cases {
            var expected = new.migrated(deficit: deficit, from: old)
            if new.holdsToken(deficit: expected) { expected += new.tokenUnits }
            XCTAssertEqual(
                takeAfterChange(from: old, deficit: deficit, to: new), expected,
                "\(old) holding deficit \(deficit) changed to \(new)")
        }
    }

    /// A small deterministic generator, so that a failure repeats.
    private struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next(upTo bound: UInt64) -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xbf58_476d_1ce4_e5b9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94d0_49bb_1331_11eb
            return (mixed ^ (mixed >> 31)) % bound
        }
    }
}
