import Foundation
import XCTest
@testable import Stats
import TestSupport

/// `/stats` `auth` and `sluice_auth_*` (SPEC §8, §10): counted per worker, merged, rendered in both formats.
final class AuthCountsTests: XCTestCase {
    private func report() -> StatsReport {
        let board = StatsBoard(workerCount: 2)
        let first = WorkerStats(workerIndex: 0, board: board, targets: [])
        for outcome in [AuthOutcome.accepted, .accepted, .invalid, .throttled] { first.recordAuth(outcome) }
        first.publish()
        let second = WorkerStats(workerIndex: 1, board: board, targets: [])
        for outcome in [AuthOutcome.accepted, .missing, .revoked, .expired, .forbidden, .invalid] { second.recordAuth(outcome) }
        second.publish()
        var gauges = StatsFixture.gauges()
        gauges.keysLoaded = 1_000_000
        return StatsReport(snapshot: board.merged(), gauges: gauges)
    }

    private let expected = ["accepted": 3, "missing": 1, "invalid": 2, "revoked": 1, "expired": 1, "forbidden": 1, "throttled": 1]

    func testStatsJSONHasEveryAuthCounterMergedAndTheKeysLoaded() throws {
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(report().statsJSON().utf8)) as? [String: Any])
        let auth = try XCTUnwrap(json["auth"] as? [String: Any])
        XCTAssertEqual(Set(auth.keys), Set(expected.keys).union(["keys_loaded"]))
        for (name, count) in expected { XCTAssertEqual((auth[name] as? NSNumber)?.intValue, count, name) }
        XCTAssertEqual((auth["keys_loaded"] as? NSNumber)?.intValue, 1_000_000)
    }

    func testMetricsHaveTheSameFigures() throws {
        let metrics = try PrometheusExposition(parsing: report().prometheusText())
        XCTAssertEqual(metrics.family(named: "sluice_auth_requests_total")?.type, "counter")
        for (name, count) in expected {
            XCTAssertEqual(metrics.value("sluice_auth_requests_total", ["outcome": name]), Double(count), name)
        }
        XCTAssertEqual(metrics.value("sluice_auth_keys_loaded"), 1_000_000)
    }
}
