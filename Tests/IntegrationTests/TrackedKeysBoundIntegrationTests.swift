import Foundation
import XCTest

/// `rate_limit.max_tracked_keys` (SPEC §9): a client inventing keys never grows the memory store past its bound.
final class TrackedKeysBoundIntegrationTests: IntegrationTestCase {
    func testInventedKeysStayWithinTheBoundAndMemoryStaysFlat() throws {
        let sluice = try startLimitedSluice(limits: ["limits:", "  - { name: day, requests: 100, per: 1d }", "max_tracked_keys: 1000"])
        let client = try connectToSluice()
        func inventKeys(round: Int) throws {
            for index in 0..<3000 {
                let response = try send(client, "GET", "/v1/invented", headers: bearerKey("invented-\(round)-\(index)"))
                XCTAssertEqual(response.status, 200)
                if response.status != 200 { return }
            }
        }
        func figures() throws -> (tracked: Int, evicted: Int) {
            let rateLimit = try XCTUnwrap(try sluice.stats()["rate_limit"] as? [String: Any])
            return (try XCTUnwrap(rateLimit["tracked_keys"] as? Int), try XCTUnwrap(rateLimit["evicted"] as? Int))
        }

        try inventKeys(round: 1)
        let first = try figures()
        XCTAssertLessThanOrEqual(first.tracked, 1000)
        XCTAssertGreaterThanOrEqual(first.evicted, 2000)
        let residentBefore = try XCTUnwrap(sluice.residentBytes())

        try inventKeys(round: 2)
        let second = try figures()
        let residentAfter = try XCTUnwrap(sluice.residentBytes())
        XCTAssertLessThanOrEqual(second.tracked, 1000)
        XCTAssertGreaterThanOrEqual(second.evicted, first.evicted + 3000)
        XCTAssertLessThan(residentAfter - residentBefore, 8 << 20, "RSS grew from \(residentBefore) to \(residentAfter) bytes")
        let metrics = try sluice.adminRequest("/metrics").text
        XCTAssertTrue(metrics.contains("sluice_rate_limit_evicted_total \(second.evicted)"), metrics)
    }

    func testAReloadLoweringTheBoundForgetsTheExcess() throws {
        let sluice = try startLimitedSluice(limits: ["limits:", "  - { name: day, requests: 100, per: 1d }"])
        let client = try connectToSluice()
        for index in 0..<1000 {
            XCTAssertEqual(try send(client, "GET", "/v1/reload", headers: bearerKey("reload-\(index)")).status, 200)
        }
        let yaml = config { config in
            config.auth = ["require_api_key: true"]
            config.rateLimit = ["enabled: true", "store: memory", "limits:", "  - { name: day, requests: 100, per: 1d }",
                                "max_tracked_keys: 100"]
        }.yaml
        try yaml.write(toFile: sluice.configPath, atomically: true, encoding: .utf8)
        sluice.signal(SIGHUP)
        let figures = try sluice.waitForStats(timeout: 10) { stats in
            ((stats["rate_limit"] as? [String: Any])?["tracked_keys"] as? Int).map { $0 <= 100 } ?? false
        }
        let rateLimit = try XCTUnwrap(figures["rate_limit"] as? [String: Any])
        XCTAssertLessThanOrEqual(try XCTUnwrap(rateLimit["tracked_keys"] as? Int), 100)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(rateLimit["evicted"] as? Int), 900)
    }
}
