import Foundation
import XCTest
@testable import Stats

final class StatsJSONTests: XCTestCase {
    private func parsed(_ report: StatsReport) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(report.statsJSON().utf8))
        return try XCTUnwrap(object as? [String: Any])
    }

    private func int(_ value: Any?) -> Int? { (value as? NSNumber)?.intValue }
    private func double(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    func testStatsJSONHasEverySpecSection8FieldWithTheMergedValues() throws {
        let json = try parsed(StatsFixture.report())
        XCTAssertEqual(double(json["uptime_seconds"]), 12.5)

        let requests = try XCTUnwrap(json["requests"] as? [String: Any])
        XCTAssertEqual(int(requests["total"]), 6)
        XCTAssertEqual(int(requests["in_flight"]), 1)
        let byStatus = try XCTUnwrap(requests["by_status"] as? [String: Any])
        XCTAssertEqual(byStatus.mapValues { int($0) }, ["1xx": 1, "2xx": 3, "3xx": 0, "4xx": 1, "5xx": 1])

        let rateLimit = try XCTUnwrap(json["rate_limit"] as? [String: Any])
        XCTAssertEqual(int(rateLimit["allowed"]), 1)
        XCTAssertEqual(int(rateLimit["limited"]), 2)
        XCTAssertEqual(int(rateLimit["tracked_keys"]), 7)
        XCTAssertEqual(int(rateLimit["evicted"]), 3)
        XCTAssertEqual(rateLimit["store"] as? String, "memory")

        let normaliser = try XCTUnwrap(json["normaliser"] as? [String: Any])
        XCTAssertEqual(int(normaliser["rewritten"]), 3)
        let byShape = try XCTUnwrap(normaliser["by_shape"] as? [String: Any])
        XCTAssertEqual(byShape.mapValues { int($0) },
                       ["nestjs": 1, "error_string": 0, "error_object": 0, "problem_json": 2, "other": 0])

        let upstreams = try XCTUnwrap(json["upstreams"] as? [[String: Any]])
        XCTAssertEqual(upstreams.count, 2)
        XCTAssertEqual(upstreams[0]["target"] as? String, "127.0.0.1:3000")
        XCTAssertEqual(upstreams[0]["healthy"] as? Bool, true)
        XCTAssertEqual(upstreams[0]["circuit"] as? String, "closed")
        XCTAssertEqual(int(upstreams[0]["requests"]), 2)
        XCTAssertEqual(int(upstreams[0]["failures"]), 1)
        XCTAssertEqual(upstreams[1]["target"] as? String, "127.0.0.1:3001")
        XCTAssertEqual(upstreams[1]["healthy"] as? Bool, false)
        XCTAssertEqual(upstreams[1]["circuit"] as? String, "half_open")
        XCTAssertEqual(int(upstreams[1]["requests"]), 1)
        XCTAssertEqual(int(upstreams[1]["failures"]), 0)
        XCTAssertEqual(int(json["upstream_tries"]), 3)

        let latency = try XCTUnwrap(json["latency_ms"] as? [String: Any])
        XCTAssertEqual(Set(latency.keys), ["p50", "p90", "p99", "max"])
        XCTAssertEqual(try XCTUnwrap(double(latency["p50"])), 2, accuracy: 0.01)  // 0.01 1 2 3 4 2000 ms
        XCTAssertEqual(try XCTUnwrap(double(latency["p90"])), 2000, accuracy: 2)
        XCTAssertEqual(try XCTUnwrap(double(latency["p99"])), 2000, accuracy: 2)
        XCTAssertEqual(double(latency["max"]), 2000)

        let upstreamLatency = try XCTUnwrap(json["upstream_latency_ms"] as? [String: Any])
        XCTAssertEqual(Set(upstreamLatency.keys), ["p50", "p90", "p99", "max"])
        XCTAssertEqual(double(upstreamLatency["p50"]), 0.5)
        XCTAssertEqual(double(upstreamLatency["max"]), 1999)
    }

    func testEmptyBoardRendersZerosAndATargetWithoutTraffic() throws {
        let report = StatsReport(snapshot: StatsBoard(workerCount: 2).merged(), gauges: StatsFixture.gauges())
        let json = try parsed(report)
        let requests = try XCTUnwrap(json["requests"] as? [String: Any])
        XCTAssertEqual(int(requests["total"]), 0)
        let upstreams = try XCTUnwrap(json["upstreams"] as? [[String: Any]])
        XCTAssertEqual(upstreams.map { int($0["requests"]) }, [0, 0])
        let latency = try XCTUnwrap(json["latency_ms"] as? [String: Any])
        XCTAssertEqual(latency.mapValues { double($0) }, ["p50": 0, "p90": 0, "p99": 0, "max": 0])
    }

    /// Two workers refuse twelve identities: `id-k` k+1 times in all, split between the workers.
    static func topLimitedReport() -> StatsReport {
        let board = StatsBoard(workerCount: 2)
        let workers = [0, 1].map { WorkerStats(workerIndex: $0, board: board, targets: []) }
        for k in 0..<12 {
            for time in 0...k {
                workers[time % 2].recordRateLimit(admitted: false, limit: "minute", identity: "id-\(k)")
            }
        }
        workers[0].recordRateLimit(admitted: false, limit: "minute", identity: nil)
        workers.forEach { $0.publish() }
        return StatsReport(snapshot: board.merged(), gauges: StatsFixture.gauges())
    }

    func testTopLimitedListsTheTenMostRefusedIdentitiesMergedAcrossWorkers() throws {
        let json = try parsed(Self.topLimitedReport())
        let rateLimit = try XCTUnwrap(json["rate_limit"] as? [String: Any])
        XCTAssertEqual(int(rateLimit["limited"]), 79)
        let top = try XCTUnwrap(rateLimit["top_limited"] as? [[String: Any]], "\(rateLimit)")
        XCTAssertEqual(top.map { $0["identity"] as? String }, (2..<12).reversed().map { "id-\($0)" })
        XCTAssertEqual(top.map { int($0["limited"]) }, (2..<12).reversed().map { $0 + 1 })
        XCTAssertEqual(top.first.map { Set($0.keys) }, ["identity", "limited"])
    }

    func testTopLimitedIsAnEmptyListWithoutRefusals() throws {
        let json = try parsed(StatsReport(snapshot: StatsSnapshot(), gauges: StatsFixture.gauges()))
        let top = (json["rate_limit"] as? [String: Any])?["top_limited"] as? [Any]
        XCTAssertEqual(top?.count, 0, "\(json)")
    }

    func testHostileTargetAndStoreNamesStayValidJSON() throws {
        var gauges = StatsFixture.gauges(target0: "a\"b\\c\nd\u{1}é")
        gauges.rateLimitStore = "mem\"ory"
        let json = try parsed(StatsReport(snapshot: StatsSnapshot(), gauges: gauges))
        let upstreams = try XCTUnwrap(json["upstreams"] as? [[String: Any]])
        XCTAssertEqual(upstreams[0]["target"] as? String, "a\"b\\c\nd\u{1}é")
        XCTAssertEqual((json["rate_limit"] as? [String: Any])?["store"] as? String, "mem\"ory")
    }

    func testFixedPointFormatting() {
        XCTAssertEqual(FixedPoint.millis(micros: 0), "0.000")
        XCTAssertEqual(FixedPoint.millis(micros: 1234), "1.234")
        XCTAssertEqual(FixedPoint.millis(micros: 5), "0.005")
        XCTAssertEqual(FixedPoint.seconds(micros: 2_000_001), "2.000001")
        XCTAssertEqual(FixedPoint.seconds(12.3456), "12.346")
        XCTAssertEqual(FixedPoint.seconds(-.infinity), "0.000")
        XCTAssertEqual(FixedPoint.string(UInt64.max, decimals: 0), "18446744073709551615")
        XCTAssertEqual(FixedPoint.string(UInt64.max, decimals: 19), "1.8446744073709551615")
        XCTAssertEqual(FixedPoint.string(10_000_000_000, decimals: 0), "10000000000")
    }
}
