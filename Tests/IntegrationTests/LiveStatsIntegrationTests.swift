import Foundation
import XCTest

/// SPEC §8 "live": a `/stats` or `/metrics` read counts every request answered before it, and its parts agree at that
/// instant; `rate_limit.top_limited` names who is refused most. Every read here is one read, right after the
/// responses were read: no sleep, no polling.
final class LiveStatsIntegrationTests: IntegrationTestCase {
    func testEveryReadCountsEveryResponseAlreadyReadOnEveryWorker() throws {
        let sluice = try startSluice { $0.server = ["workers: 2"] }
        // Several keep-alive connections, so that both workers' listeners get some.
        let clients = try (0..<6).map { _ in try connectToSluice() }
        var answered = 0, notFound = 0
        for round in 0..<30 {
            let client = clients[round % clients.count]
            let missing = round % 3 == 0
            let response = try send(client, "GET", missing ? "/status/404" : "/v1/live/\(round)")
            XCTAssertEqual(response.status, missing ? 404 : 200)
            answered += 1
            if missing { notFound += 1 }
            let figures = try sluice.stats()
            XCTAssertEqual(figures.jsonInt(at: "requests", "total"), answered, "read right after response \(answered): \(figures)")
            XCTAssertEqual(figures.jsonInt(at: "requests", "by_status", "4xx"), notFound, "\(figures)")
            XCTAssertEqual(figures.jsonInt(at: "requests", "in_flight"), 0, "\(figures)")
            XCTAssertEqual((figures["upstreams"] as? [[String: Any]])?.first?.jsonInt(at: "requests"), answered, "\(figures)")
            if round % 5 == 4 {
                let metrics = try PrometheusExposition(parsing: try sluice.adminRequest("/metrics").text)
                XCTAssertEqual(metrics.value("sluice_request_duration_seconds_count"), Double(answered))
                XCTAssertEqual(metrics.value("sluice_requests_total", ["class": "2xx"]), Double(answered - notFound))
            }
        }
    }

    func testACircuitIsShownOpenWithTheFailuresThatOpenedItInTheSameRead() throws {
        let sluice = try startSluice {
            $0.server = ["workers: 2"]
            $0.upstream = ["retries: 0", "circuit_breaker: { failures: 3, open_for: 30s }"]
        }
        XCTAssertEqual(try send(try upstream.connect(), "GET", "/admin/fail-next?n=3&status=503").status, 200)
        for failure in 1...3 {
            // A fresh connection each time: the failures may come through either worker.
            XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/failing/\(failure)").status, 503)
            let target = try XCTUnwrap((try sluice.stats()["upstreams"] as? [[String: Any]])?.first)
            XCTAssertEqual(target.jsonInt(at: "failures"), failure, "\(target)")
            XCTAssertEqual(target.jsonInt(at: "requests"), failure, "\(target)")
            XCTAssertEqual(target["circuit"] as? String, failure < 3 ? "closed" : "open", "after \(failure) failures: \(target)")
        }
        let metrics = try PrometheusExposition(parsing: try sluice.adminRequest("/metrics").text)
        XCTAssertEqual(metrics.value("sluice_upstream_circuit_state", ["target": upstream.address, "state": "open"]), 1)
        XCTAssertEqual(metrics.value("sluice_upstream_failures_total", ["target": upstream.address]), 3)
        // While open, requests are refused at once and no try is counted.
        XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/refused").status, 503)
        let target = try XCTUnwrap((try sluice.stats()["upstreams"] as? [[String: Any]])?.first)
        XCTAssertEqual(target.jsonInt(at: "failures"), 3, "\(target)")
        XCTAssertEqual(target["circuit"] as? String, "open", "\(target)")
    }

    func testTopLimitedListsTheTenIdentitiesRefusedMostAsKeyHashesAndAddresses() throws {
        let sluice = try startSluice {
            $0.server = ["workers: 2"]
            $0.rateLimit = ["enabled: true", "key: api_key", "limits:", "  - { name: minute, requests: 1, per: 1m }"]
        }
        // key-k is refused k times (k = 1…12), requests without a key (limited by address) 4 times.
        var rawKeys: [String] = []
        for k in 1...12 {
            let key = "top-limited-key-\(k)-secret"
            rawKeys.append(key)
            let client = try connectToSluice()
            XCTAssertEqual(try send(client, "GET", "/v1/top", headers: bearer(key)).status, 200)
            for _ in 0..<k { XCTAssertEqual(try send(client, "GET", "/v1/top", headers: bearer(key)).status, 429) }
        }
        let anonymous = try connectToSluice()
        XCTAssertEqual(try send(anonymous, "GET", "/v1/top").status, 200)
        for _ in 0..<4 { XCTAssertEqual(try send(anonymous, "GET", "/v1/top").status, 429) }

        let figures = try sluice.stats()
        XCTAssertEqual(figures.jsonInt(at: "rate_limit", "limited"), 78 + 4, "\(figures)")
        let top = try XCTUnwrap(figures.jsonValue(at: "rate_limit", "top_limited") as? [[String: Any]], "\(figures)")
        XCTAssertEqual(top.compactMap { $0.jsonInt(at: "limited") }, [12, 11, 10, 9, 8, 7, 6, 5, 4, 4],
                       "the ten most refused, most first: \(top)")
        let identities = top.compactMap { $0["identity"] as? String }
        XCTAssertEqual(identities.count, 10)
        XCTAssertEqual(Set(identities).count, 10, "one entry per identity: \(identities)")
        XCTAssertTrue(identities.contains("127.0.0.1"), "requests without a key are limited by address: \(identities)")
        for identity in identities where identity != "127.0.0.1" {
            XCTAssertTrue(identity.count == 12 && identity.allSatisfy(\.isHexDigit), "not a 12-hex key hash: \(identity)")
        }
        let body = try sluice.adminRequest("/stats").text + (try sluice.adminRequest("/metrics").text)
        for key in rawKeys { XCTAssertFalse(body.contains(key), "a raw API key in the admin output") }

        let metrics = try PrometheusExposition(parsing: try sluice.adminRequest("/metrics").text)
        for entry in top {
            let identity = entry["identity"] as? String ?? "?"
            XCTAssertEqual(metrics.value("sluice_rate_limit_top_limited", ["identity": identity]),
                           entry.jsonInt(at: "limited").map(Double.init), identity)
        }
    }
}
