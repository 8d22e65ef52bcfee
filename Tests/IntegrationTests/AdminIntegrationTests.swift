import Foundation
import XCTest

/// SPEC §8 through the real binary: `/stats` and `/metrics` count exactly the traffic the test sent, the admin
/// token, the admin listener kept apart from the public one, and `/readyz` following upstream health.
final class AdminIntegrationTests: IntegrationTestCase {
    private var secondUpstream: UpstreamProcess?

    override func tearDown() {
        secondUpstream?.stop()
        secondUpstream = nil
        super.tearDown()
    }

    // MARK: traffic with known figures

    /// What `sendMixedTraffic` makes /stats count (paths of object keys → value).
    static let mixedTrafficFigures: [([String], Int)] = [
        (["requests", "total"], 14), (["requests", "in_flight"], 0),
        (["requests", "by_status", "1xx"], 0), (["requests", "by_status", "2xx"], 5), (["requests", "by_status", "3xx"], 0),
        (["requests", "by_status", "4xx"], 7), (["requests", "by_status", "5xx"], 2),
        (["rate_limit", "allowed"], 11), (["rate_limit", "limited"], 1), (["rate_limit", "tracked_keys"], 3),
        (["normaliser", "rewritten"], 6), (["normaliser", "by_shape", "nestjs"], 1), (["normaliser", "by_shape", "error_string"], 2),
        (["normaliser", "by_shape", "error_object"], 1), (["normaliser", "by_shape", "problem_json"], 1),
        (["normaliser", "by_shape", "other"], 1),
    ]

    /// Starts sluice in front of two upstreams with API keys required, a limit of 5 per minute and no retries.
    private func startSluiceWithTwoTargets(adminToken: String? = nil) throws -> SluiceProcess {
        let second = try UpstreamProcess()
        secondUpstream = second
        return try startSluice {
            $0.targets = [upstream.address, second.address]
            $0.auth = ["require_api_key: true"]
            $0.rateLimit = ["enabled: true", "limits:", "  - { name: minute, requests: 5, per: 1m }"]
            $0.upstream = ["retries: 0"]
            if let adminToken { $0.admin = [#"token: "\#(adminToken)""#] }
        }
    }

    /// Key A: 5×200 then one 429. Key B: 404 NestJS body, 2×404 `{"error": "…"}` bodies, 503 problem+json body.
    /// Key C: 409 `{"error": {…}}` body, 500 HTML body. No key: 2×401. That is 14 requests, 11 forwarded (one failed
    /// try: the 503, which `retry_on` names), 6 upstream errors rewritten, one of each shape but error_string (2).
    private func sendMixedTraffic() throws {
        let keyA = try connectToSluice()
        for i in 0..<5 {
            XCTAssertEqual(try send(keyA, "GET", "/v1/stats/\(i)", headers: bearer("stats-key-a")).status, 200)
        }
        assertEnvelope(try send(keyA, "GET", "/v1/stats/5", headers: bearer("stats-key-a")), status: 429, code: "RATE_LIMIT_EXCEEDED")
        let keyB = try connectToSluice()
        assertEnvelope(try send(keyB, "GET", "/status/404?body=nestjs-not-found", headers: bearer("stats-key-b")),
                       status: 404, code: "RESOURCE_NOT_FOUND")
        for _ in 0..<2 {
            assertEnvelope(try send(keyB, "GET", "/status/404?body=keva-not-found", headers: bearer("stats-key-b")),
                           status: 404, code: "RESOURCE_NOT_FOUND")
        }
        assertEnvelope(try send(keyB, "GET", "/status/503?body=problem", headers: bearer("stats-key-b")),
                       status: 503, code: "SERVICE_UNAVAILABLE")
        let keyC = try connectToSluice()
        assertEnvelope(try send(keyC, "GET", "/status/409?body=upwell-already-exists", headers: bearer("stats-key-c")),
                       status: 409, code: "RESOURCE_ALREADY_EXISTS")
        assertEnvelope(try send(keyC, "GET", "/status/500?body=html", headers: bearer("stats-key-c")), status: 500, code: "INTERNAL_ERROR")
        let anonymous = try connectToSluice()
        for _ in 0..<2 {
            assertEnvelope(try send(anonymous, "GET", "/v1/stats/anonymous"), status: 401, code: "MISSING_AUTHORIZATION")
        }
    }

    private static func matchesMixedTraffic(_ figures: [String: Any]) -> Bool {
        mixedTrafficFigures.allSatisfy { path, value in figures.jsonInt(at: path) == value }
    }

    // MARK: /stats

    func testStatsCountExactlyTheTrafficSent() throws {
        let sluice = try startSluiceWithTwoTargets()
        try sendMixedTraffic()
        // Live figures: one read right after the last response, no waiting.
        let figures = try sluice.stats()
        for (path, value) in Self.mixedTrafficFigures {
            XCTAssertEqual(figures.jsonInt(at: path), value, "/stats \(path.joined(separator: ".")): \(figures)")
        }
        XCTAssertEqual(figures.jsonValue(at: "rate_limit", "store") as? String, "memory")
        XCTAssertGreaterThan(figures.jsonValue(at: "uptime_seconds") as? Double ?? 0, 0)

        let targets = try XCTUnwrap(figures["upstreams"] as? [[String: Any]], "no upstreams list: \(figures)")
        XCTAssertEqual(targets.compactMap { $0["target"] as? String }.sorted(), [upstream.address, secondUpstream!.address].sorted())
        for (process, name) in [(upstream!, "first"), (secondUpstream!, "second")] {
            let entry = targets.first { $0["target"] as? String == process.address }
            XCTAssertEqual(entry?.jsonInt(at: "requests"), try process.hits(), "\(name) target's requests vs its own count: \(targets)")
            XCTAssertEqual(entry?["healthy"] as? Bool, true, "\(name) target: \(targets)")
            XCTAssertEqual(entry?["circuit"] as? String, "closed", "\(name) target: \(targets)")
        }
        XCTAssertEqual(targets.compactMap { $0.jsonInt(at: "requests") }.reduce(0, +), 11, "forwarded requests: \(targets)")
        XCTAssertEqual(targets.compactMap { $0.jsonInt(at: "failures") }.reduce(0, +), 1, "the upstream 503 is one failed try: \(targets)")

        for section in ["latency_ms", "upstream_latency_ms"] {
            let p = ["p50", "p90", "p99", "max"].map { figures.jsonValue(at: section, $0) as? Double ?? -1 }
            XCTAssertGreaterThan(p[0], 0, "\(section): \(p)")
            XCTAssertTrue(p[0] <= p[1] && p[1] <= p[2] && p[2] <= p[3], "\(section) percentiles out of order: \(p)")
        }
    }

    func testStatsShowARequestInFlightAndThenItsLatency() throws {
        let sluice = try startSluice()
        let slow = try connectToSluice()
        slow.send(RawHTTPClient.requestBytes("GET", "/slow?ms=600"))
        let during = try sluice.waitForStats { $0.jsonInt(at: "requests", "in_flight") == 1 }
        XCTAssertEqual(during.jsonInt(at: "requests", "in_flight"), 1, "a request waiting on the upstream: \(during)")
        XCTAssertEqual(during.jsonInt(at: "requests", "total"), 0, "a request still in flight was counted as answered: \(during)")
        XCTAssertEqual(try slow.readResponse()?.status, 200)

        let after = try sluice.stats()
        XCTAssertEqual(after.jsonInt(at: "requests", "total"), 1, "\(after)")
        XCTAssertEqual(after.jsonInt(at: "requests", "in_flight"), 0, "\(after)")
        XCTAssertGreaterThanOrEqual(after.jsonValue(at: "latency_ms", "max") as? Double ?? 0, 600, "whole-request latency: \(after)")
        XCTAssertGreaterThanOrEqual(after.jsonValue(at: "upstream_latency_ms", "max") as? Double ?? 0, 590, "upstream latency: \(after)")
        let metrics = try PrometheusExposition(parsing: try sluice.adminRequest("/metrics").text)
        XCTAssertEqual(metrics.value("sluice_request_duration_seconds_bucket", ["le": "0.5"]), 0, "a 600 ms request in the 0.5 s bucket")
        XCTAssertEqual(metrics.value("sluice_request_duration_seconds_bucket", ["le": "+Inf"]), 1)
        XCTAssertGreaterThanOrEqual(metrics.value("sluice_request_duration_seconds_sum") ?? 0, 0.6)
    }

    // MARK: /metrics

    func testMetricsAreStrictExpositionTextAgreeingWithStats() throws {
        let sluice = try startSluiceWithTwoTargets()
        try sendMixedTraffic()
        let figures = try sluice.stats()
        XCTAssertTrue(Self.matchesMixedTraffic(figures), "/stats does not match the traffic: \(figures)")
        let response = try sluice.adminRequest("/metrics")
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.header("content-type")?.hasPrefix("text/plain; version=0.0.4") ?? false,
                      "Content-Type: \(response.header("content-type") ?? "none")")
        let metrics: PrometheusExposition
        do {
            metrics = try PrometheusExposition(parsing: response.text)
        } catch {
            return XCTFail("/metrics is not valid exposition text: \(error)\n\(response.text)")
        }
        for family in metrics.families {
            XCTAssertTrue(family.name.hasPrefix("sluice_"), "family \(family.name) lacks the sluice_ prefix")
        }
        let names = metrics.families.map(\.name)
        func agree(_ sample: String, _ labels: [String: String], _ path: String..., line: UInt = #line) {
            XCTAssertEqual(metrics.value(sample, labels), figures.jsonInt(at: path).map(Double.init),
                           "\(sample)\(labels) vs /stats \(path.joined(separator: ".")); families: \(names)", line: line)
        }
        for statusClass in ["1xx", "2xx", "3xx", "4xx", "5xx"] {
            agree("sluice_requests_total", ["class": statusClass], "requests", "by_status", statusClass)
        }
        agree("sluice_requests_in_flight", [:], "requests", "in_flight")
        agree("sluice_rate_limit_requests_total", ["outcome": "allowed"], "rate_limit", "allowed")
        agree("sluice_rate_limit_requests_total", ["outcome": "limited"], "rate_limit", "limited")
        agree("sluice_rate_limit_tracked_keys", [:], "rate_limit", "tracked_keys")
        agree("sluice_rate_limit_evicted_total", [:], "rate_limit", "evicted")
        XCTAssertEqual(metrics.value("sluice_rate_limit_refusals_total", ["limit": "minute"]), 1, "refusals by limit name; families: \(names)")
        for shape in ["nestjs", "error_string", "error_object", "problem_json", "other"] {
            agree("sluice_normaliser_rewritten_total", ["shape": shape], "normaliser", "by_shape", shape)
        }
        for target in (figures["upstreams"] as? [[String: Any]]) ?? [] {
            let name = target["target"] as? String ?? "?"
            XCTAssertEqual(metrics.value("sluice_upstream_requests_total", ["target": name]), target.jsonInt(at: "requests").map(Double.init), name)
            XCTAssertEqual(metrics.value("sluice_upstream_failures_total", ["target": name]), target.jsonInt(at: "failures").map(Double.init), name)
            XCTAssertEqual(metrics.value("sluice_upstream_healthy", ["target": name]), (target["healthy"] as? Bool) == true ? 1 : 0, name)
        }
        XCTAssertEqual(metrics.value("sluice_request_duration_seconds_count"), 14, "request latency histogram; families: \(names)")
        XCTAssertGreaterThan(metrics.value("sluice_request_duration_seconds_sum") ?? 0, 0)
        XCTAssertEqual(metrics.value("sluice_upstream_duration_seconds_count"), 11, "upstream latency histogram; families: \(names)")
    }

    func testStatsAndMetricsShowAnOpenCircuit() throws {
        let sluice = try startSluice { $0.upstream = ["retries: 0", "circuit_breaker: { failures: 3, open_for: 30s }"] }
        XCTAssertEqual(try send(try upstream.connect(), "GET", "/admin/fail-next?n=3&status=503").status, 200)
        let client = try connectToSluice()
        for i in 0..<3 { XCTAssertEqual(try send(client, "GET", "/v1/failing/\(i)").status, 503) }
        // One read, right after the third failure: the open circuit comes with the failures that opened it.
        let figures = try sluice.stats()
        let target = try XCTUnwrap((figures["upstreams"] as? [[String: Any]])?.first, "\(figures)")
        XCTAssertEqual(target["circuit"] as? String, "open", "3 failed tries with failures: 3: \(target)")
        XCTAssertEqual(target.jsonInt(at: "requests"), 3, "\(target)")
        XCTAssertEqual(target.jsonInt(at: "failures"), 3, "\(target)")
        let metrics = try PrometheusExposition(parsing: try sluice.adminRequest("/metrics").text)
        for (state, value) in [("closed", 0.0), ("open", 1.0), ("half_open", 0.0)] {
            XCTAssertEqual(metrics.value("sluice_upstream_circuit_state", ["target": upstream.address, "state": state]), value, state)
        }
        XCTAssertEqual(metrics.value("sluice_upstream_failures_total", ["target": upstream.address]), 3)
    }

    func testAdminAnswersUnknownPathsAndOtherMethodsWithEnvelopes() throws {
        let sluice = try startSluice()
        assertEnvelope(try sluice.adminRequest("/no-such-thing"), status: 404, code: "RESOURCE_NOT_FOUND")
        assertEnvelope(try sluice.adminRequest("/stats", method: "POST"), status: 405, code: "METHOD_NOT_ALLOWED")
        let head = try sluice.adminRequest("/stats", method: "HEAD")
        XCTAssertEqual(head.status, 200)
        XCTAssertTrue(head.body.isEmpty)
        XCTAssertEqual(try sluice.adminRequest("/stats?pretty=1").status, 200, "a query string must not hide the route")
    }

    // MARK: token

    func testAdminTokenGuardsStatsAndMetricsButNotProbes() throws {
        let token = "adm-7f3c-0d9e-secret"
        let sluice = try startSluiceWithTwoTargets(adminToken: token)
        for path in ["/stats", "/metrics"] {
            for headers in [[], [("Authorization", "Bearer adm-7f3c-0d9e-secreT")], [("Authorization", "Bearer adm-7f3c-0d9e-secre")],
                            [("Authorization", "Bearer \(token)x")], [("Authorization", "Basic \(token)")], [("Authorization", token)],
                            [("X-Admin-Token", token)]] {
                let response = try sluice.adminRequest(path, headers: headers)
                assertEnvelope(response, status: 401, oneOf: ["MISSING_AUTHORIZATION", "INVALID_API_KEY"])
                XCTAssertFalse(response.text.contains(token), "\(path) with \(headers) leaked the token")
            }
            for scheme in ["Bearer", "bearer"] {
                let response = try sluice.adminRequest(path, headers: [("Authorization", "\(scheme) \(token)")])
                XCTAssertEqual(response.status, 200, "\(path) with the right token (\(scheme)): \(response.text.prefix(200))")
            }
        }
        XCTAssertNotNil(try sluice.stats(token: token)["requests"])
        for path in ["/healthz", "/readyz"] {
            XCTAssertEqual(try sluice.adminRequest(path).status, 200, "\(path) must stay open for probes")
        }
    }

    // MARK: listeners kept apart

    func testAdminPathsOnThePublicPortAreProxiedToTheUpstream() throws {
        let sluice = try startSluice()
        let client = try connectToSluice()
        for path in ["/stats", "/metrics", "/healthz", "/readyz"] {
            let response = try send(client, "GET", path)
            assertEnvelope(response, status: 404, code: "RESOURCE_NOT_FOUND")
            let message = (response.jsonObject?["error"] as? [String: Any])?["message"] as? String ?? ""
            XCTAssertTrue(message.contains("Cannot GET \(path)"), "\(path) on the public port was not answered by the upstream: \(message)")
        }
        XCTAssertEqual(try upstream.hits(), 4, "every admin-looking path on the public port must reach the upstream")

        let onAdmin = try sluice.adminRequest("/v1/not-proxied")
        XCTAssertEqual(onAdmin.status, 404, "the admin listener answers only its own paths")
        XCTAssertEqual(try upstream.hits(), 4, "the admin listener forwarded a request upstream")
        let figures = try sluice.stats()
        XCTAssertEqual(figures.jsonInt(at: "requests", "total"), 4, "admin requests must not be counted: \(figures)")
    }

    // MARK: readiness

    func testReadyzFollowsUpstreamHealth() throws {
        let sluice = try startSluice { $0.upstream = ["health_check: { path: /health, interval: 200ms, timeout: 150ms }"] }
        XCTAssertEqual(try waitForAdminStatus(sluice, "/readyz", 200).status, 200, "not ready with a healthy upstream")

        XCTAssertEqual(try send(try upstream.connect(), "GET", "/admin/health?ok=0").status, 200)
        let down = try waitForAdminStatus(sluice, "/readyz", 503)
        XCTAssertEqual(down.status, 503, "/readyz stayed \(down.status) with the only target failing its health checks")
        XCTAssertEqual(try sluice.adminRequest("/healthz").status, 200, "/healthz must stay 200 while the process runs")
        let figures = try sluice.waitForStats { ($0["upstreams"] as? [[String: Any]])?.first?["healthy"] as? Bool == false }
        XCTAssertEqual((figures["upstreams"] as? [[String: Any]])?.first?["healthy"] as? Bool, false, "\(figures)")

        XCTAssertEqual(try send(try upstream.connect(), "GET", "/admin/health?ok=1").status, 200)
        let up = try waitForAdminStatus(sluice, "/readyz", 200)
        XCTAssertEqual(up.status, 200, "/readyz did not recover with the upstream healthy again")
        XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/after-recovery").status, 200)
    }

    func testReadyzStaysReadyWhileOneOfTwoTargetsIsHealthy() throws {
        let second = try UpstreamProcess()
        secondUpstream = second
        let sluice = try startSluice {
            $0.targets = [upstream.address, second.address]
            $0.upstream = ["health_check: { path: /health, interval: 200ms, timeout: 150ms }"]
        }
        XCTAssertEqual(try waitForAdminStatus(sluice, "/readyz", 200).status, 200)
        XCTAssertEqual(try send(try second.connect(), "GET", "/admin/health?ok=0").status, 200)
        let oneDown = try sluice.waitForStats {
            ($0["upstreams"] as? [[String: Any]])?.first { $0["target"] as? String == second.address }?["healthy"] as? Bool == false
        }
        let healthy = ((oneDown["upstreams"] as? [[String: Any]]) ?? []).map { "\($0["target"] as? String ?? "?")=\($0["healthy"] as? Bool ?? false)" }
        XCTAssertEqual(healthy.sorted(), ["\(upstream.address)=true", "\(second.address)=false"].sorted(), "\(oneDown)")
        XCTAssertEqual(try sluice.adminRequest("/readyz").status, 200, "one healthy target is enough to be ready")
        for i in 0..<4 { XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/one-left/\(i)").status, 200) }

        XCTAssertEqual(try send(try upstream.connect(), "GET", "/admin/health?ok=0").status, 200)
        XCTAssertEqual(try waitForAdminStatus(sluice, "/readyz", 503).status, 503, "no healthy target left")
    }

    /// Polls an admin path until it answers `status` (or `timeout` passes) and returns the last answer.
    private func waitForAdminStatus(_ sluice: SluiceProcess, _ path: String, _ status: Int, timeout: TimeInterval = 5) throws -> HTTPResponse {
        let deadline = Date().addingTimeInterval(timeout)
        var response = try sluice.adminRequest(path)
        while response.status != status && Date() < deadline {
            usleep(50_000)
            response = try sluice.adminRequest(path)
        }
        return response
    }
}
