import TestSupport
import XCTest
@testable import Stats

final class PrometheusTextTests: XCTestCase {
    func testExpositionPassesTheStrictParserAndCarriesTheMergedValues() throws {
        let metrics = try PrometheusExposition(parsing: StatsFixture.report().prometheusText())
        XCTAssertEqual(metrics.value("sluice_uptime_seconds"), 12.5)
        XCTAssertEqual(metrics.value("sluice_requests_total", ["class": "2xx"]), 3)
        XCTAssertEqual(metrics.value("sluice_requests_total", ["class": "5xx"]), 1)
        XCTAssertEqual(metrics.value("sluice_requests_total", ["class": "1xx"]), 1)
        XCTAssertEqual(metrics.value("sluice_requests_in_flight"), 1)
        XCTAssertEqual(metrics.value("sluice_rate_limit_requests_total", ["outcome": "allowed"]), 1)
        XCTAssertEqual(metrics.value("sluice_rate_limit_requests_total", ["outcome": "limited"]), 2)
        XCTAssertEqual(metrics.value("sluice_rate_limit_refusals_total", ["limit": "minute"]), 2)
        XCTAssertEqual(metrics.value("sluice_rate_limit_tracked_keys"), 7)
        XCTAssertEqual(metrics.value("sluice_rate_limit_evicted_total"), 3)
        XCTAssertEqual(metrics.family(named: "sluice_rate_limit_evicted_total")?.type, "counter")
        XCTAssertEqual(metrics.value("sluice_rate_limit_store_info", ["store": "memory"]), 1)
        XCTAssertEqual(metrics.value("sluice_normaliser_rewritten_total", ["shape": "problem_json"]), 2)
        XCTAssertEqual(metrics.value("sluice_normaliser_rewritten_total", ["shape": "error_object"]), 0)
        XCTAssertEqual(metrics.value("sluice_upstream_requests_total", ["target": "127.0.0.1:3000"]), 2)
        XCTAssertEqual(metrics.value("sluice_upstream_failures_total", ["target": "127.0.0.1:3000"]), 1)
        XCTAssertEqual(metrics.value("sluice_upstream_healthy", ["target": "127.0.0.1:3001"]), 0)
        XCTAssertEqual(metrics.value("sluice_upstream_circuit_state", ["target": "127.0.0.1:3001", "state": "half_open"]), 1)
        XCTAssertEqual(metrics.value("sluice_upstream_circuit_state", ["target": "127.0.0.1:3001", "state": "open"]), 0)
        XCTAssertEqual(metrics.value("sluice_upstream_tries_total"), 3)
        XCTAssertTrue(metrics.families.allSatisfy { $0.name.hasPrefix("sluice_") })
    }

    func testLatencyHistogramBucketsAreCumulativeSecondsFromTheHdrHistogram() throws {
        let metrics = try PrometheusExposition(parsing: StatsFixture.report().prometheusText())
        let name = "sluice_request_duration_seconds"
        XCTAssertEqual(metrics.family(named: name)?.type, "histogram")
        // Latencies: 10 µs, 1, 2, 3, 4 ms, 2 s.
        XCTAssertEqual(metrics.value(name + "_bucket", ["le": "0.001"]), 2)
        XCTAssertEqual(metrics.value(name + "_bucket", ["le": "0.0025"]), 3)
        XCTAssertEqual(metrics.value(name + "_bucket", ["le": "0.005"]), 5)
        XCTAssertEqual(metrics.value(name + "_bucket", ["le": "1"]), 5)
        XCTAssertEqual(metrics.value(name + "_bucket", ["le": "2.5"]), 6)
        XCTAssertEqual(metrics.value(name + "_bucket", ["le": "+Inf"]), 6)
        XCTAssertEqual(metrics.value(name + "_count"), 6)
        XCTAssertEqual(try XCTUnwrap(metrics.value(name + "_sum")), 2.01001, accuracy: 1e-9)
        XCTAssertEqual(metrics.value("sluice_upstream_duration_seconds_count"), 4)
    }

    func testTopLimitedIsAGaugePerIdentityAgreeingWithStats() throws {
        let metrics = try PrometheusExposition(parsing: StatsJSONTests.topLimitedReport().prometheusText())
        XCTAssertEqual(metrics.family(named: "sluice_rate_limit_top_limited")?.type, "gauge")
        XCTAssertEqual(metrics.family(named: "sluice_rate_limit_top_limited")?.samples.count, 10)
        XCTAssertEqual(metrics.value("sluice_rate_limit_top_limited", ["identity": "id-11"]), 12)
        XCTAssertEqual(metrics.value("sluice_rate_limit_top_limited", ["identity": "id-2"]), 3)
        XCTAssertNil(metrics.value("sluice_rate_limit_top_limited", ["identity": "id-1"]), "only the top ten")
    }

    func testLabelValuesAreEscaped() throws {
        let hostile = "evil\"target\\with\nnewline"
        let report = StatsReport(snapshot: StatsSnapshot(), gauges: StatsFixture.gauges(target0: hostile))
        let text = report.prometheusText()
        XCTAssertTrue(text.contains(#"target="evil\"target\\with\nnewline""#))
        let metrics = try PrometheusExposition(parsing: text)
        XCTAssertEqual(metrics.value("sluice_upstream_healthy", ["target": hostile]), 1)
    }

    func testEveryFamilyIsDeclaredEvenWithoutSamples() throws {
        let metrics = try PrometheusExposition(parsing: 
            StatsReport(snapshot: StatsSnapshot(), gauges: StatsFixture.gauges()).prometheusText())
        XCTAssertEqual(metrics.family(named: "sluice_rate_limit_refusals_total")?.samples.count, 0)
        XCTAssertEqual(metrics.value("sluice_request_duration_seconds_bucket", ["le": "+Inf"]), 0)
    }
}
