import TestSupport
import XCTest

/// The strict exposition parser used by the admin tests accepts good text and rejects each kind of fault
/// (so that a /metrics test passing means something).
final class PrometheusExpositionTests: XCTestCase {
    static let good = """
        # HELP demo_requests_total Requests by class.
        # TYPE demo_requests_total counter
        demo_requests_total{class="2xx"} 5
        demo_requests_total{class="4xx",path="a\\\\b\\"c\\nd"} 1 1700000000000
        # A plain comment.
        # HELP demo_latency_seconds Latency.
        # TYPE demo_latency_seconds histogram
        demo_latency_seconds_bucket{le="0.1"} 1
        demo_latency_seconds_bucket{le="1"} 3
        demo_latency_seconds_bucket{le="+Inf"} 4
        demo_latency_seconds_sum 2.5e0
        demo_latency_seconds_count 4
        # HELP demo_up Whether it is up.
        # TYPE demo_up gauge
        demo_up NaN

        """

    func testWellFormedTextIsReadWithItsValues() throws {
        let exposition = try PrometheusExposition(parsing: Self.good)
        XCTAssertEqual(exposition.value("demo_requests_total", ["class": "2xx"]), 5)
        XCTAssertEqual(exposition.value("demo_requests_total", ["class": "4xx", "path": "a\\b\"c\nd"]), 1)
        XCTAssertEqual(exposition.value("demo_latency_seconds_count"), 4)
        XCTAssertEqual(exposition.samples(named: "demo_latency_seconds_bucket").count, 3)
        XCTAssertEqual(exposition.family(named: "demo_up")?.type, "gauge")
    }

    func testEachKindOfFaultIsRejected() {
        let faults: [(String, String, String)] = [
            ("missing HELP", "# HELP demo_requests_total Requests by class.\n", ""),
            ("missing TYPE", "# TYPE demo_requests_total counter\n", ""),
            ("counter without _total", "# TYPE demo_requests_total counter", "# TYPE demo_requests counter"),
            ("bad escape", #"path="a\\b"#, #"path="a\q"#),
            ("unquoted label", #"{class="2xx"}"#, "{class=2xx}"),
            ("bad label name", #"{class="2xx"}"#, #"{2class="2xx"}"#),
            ("bad value", "demo_up NaN", "demo_up fast"),
            ("no +Inf bucket", #"demo_latency_seconds_bucket{le="+Inf"} 4"#, #"demo_latency_seconds_bucket{le="10"} 4"#),
            ("+Inf differs from _count", "demo_latency_seconds_count 4", "demo_latency_seconds_count 5"),
            ("not cumulative", #"demo_latency_seconds_bucket{le="1"} 3"#, #"demo_latency_seconds_bucket{le="1"} 0"#),
            ("no _sum", "demo_latency_seconds_sum 2.5e0\n", ""),
            ("duplicate series", "demo_up NaN\n", "demo_up NaN\ndemo_up 1\n"),
            ("split group", "# HELP demo_up Whether it is up.\n", "demo_requests_total{class=\"5xx\"} 0\n# HELP demo_up Whether it is up.\n"),
            ("no final newline", "demo_up NaN\n", "demo_up NaN"),
        ]
        for (what, original, replacement) in faults {
            let text = Self.good.replacingOccurrences(of: original, with: replacement)
            XCTAssertNotEqual(text, Self.good, "\(what): the fault was not injected")
            XCTAssertThrowsError(try PrometheusExposition(parsing: text), "\(what) was accepted")
        }
    }
}
