import Foundation
import XCTest

/// SPEC §8: a real Prometheus (Debian's `prometheus`) scrapes `/metrics` from the admin listener — with the admin
/// token as a Bearer credential — without a scrape error, its queries see the traffic sent, and it evaluates the
/// shipped rules (docs/prometheus-rules.yml) without an error; `promtool check metrics` passes the exposition with no
/// warning, and `promtool` checks the rules and runs their unit tests.
final class PrometheusScrapeTests: IntegrationTestCase {
    static let prometheusPath = "/usr/bin/prometheus"
    static let promtoolPath = "/usr/bin/promtool"
    private let token = "scrape-token-81c2"
    private let rules = BinaryLocator.packageRoot.appendingPathComponent("docs/prometheus-rules.yml").path
    private var prometheus: ChildProcess?

    override func tearDown() {
        if let prometheus, hasRecordedFailures {
            print("---- prometheus output ----\n\(prometheus.allOutput.suffix(4000))\n---- end ----")
        }
        prometheus?.kill()
        prometheus = nil
        super.tearDown()
    }

    private func requireTool(_ path: String) throws {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw SluiceProcess.OperatingFailure(description: "\(path) is missing: install Debian's prometheus "
                + "(scripts/test.sh does: apt-get install --no-install-recommends prometheus)")
        }
    }

    /// Starts sluice with an admin token and sends 5 answers of 200 and 2 of 404.
    private func startSluiceWithKnownTraffic() throws -> SluiceProcess {
        let sluice = try startSluice { $0.admin = [#"token: "\#(token)""#] }
        let client = try connectToSluice()
        for i in 0..<5 { XCTAssertEqual(try send(client, "GET", "/v1/scraped/\(i)").status, 200) }
        for _ in 0..<2 { XCTAssertEqual(try send(client, "GET", "/status/404").status, 404) }
        return sluice
    }

    /// A GET to Prometheus's HTTP API, parsed.
    private func api(_ port: UInt16, _ path: String, query: [String: String] = [:]) throws -> [String: Any]? {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.~"))
        let encoded = query.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
        let target = path + (encoded.isEmpty ? "" : "?" + encoded.joined(separator: "&"))
        guard let client = try? RawHTTPClient(port: port) else { return nil }
        defer { client.close() }
        return try? client.request("GET", target)?.jsonObject
    }

    /// Reads `read` every 200 ms until `done` holds or `timeout` passes, and returns the last value either way.
    private func poll<T>(timeout: TimeInterval = 60, _ read: () throws -> T?, until done: (T) -> Bool) rethrows -> T? {
        let deadline = Date().addingTimeInterval(timeout)
        var last = try read()
        while !(last.map(done) ?? false) && Date() < deadline {
            usleep(200_000)
            last = try read()
        }
        return last
    }

    /// The single value of an instant query, as Prometheus prints it (e.g. "7").
    private func instantValue(_ port: UInt16, _ expression: String) throws -> String? {
        let reply = try api(port, "/api/v1/query", query: ["query": expression])
        let results = (reply?["data"] as? [String: Any])?["result"] as? [[String: Any]]
        guard let sample = results?.first?["value"] as? [Any], sample.count == 2 else { return nil }
        return sample[1] as? String
    }

    func testPrometheusScrapesTheAdminListenerAndSeesTheTraffic() throws {
        try requireTool(Self.prometheusPath)
        let sluice = try startSluiceWithKnownTraffic()
        let adminPort = try XCTUnwrap(sluice.adminPort)
        let directory = try makeTemporaryDirectory()
        let config = """
            global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }
            rule_files: ["\(rules)"]
            scrape_configs:
              - job_name: sluice
                authorization: { type: Bearer, credentials: "\(token)" }
                static_configs: [{ targets: ["127.0.0.1:\(adminPort)"] }]

            """
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let (reserved, port) = try LoopbackSocket.bind()
        close(reserved)
        prometheus = try ChildProcess(executable: Self.prometheusPath, arguments: [
            "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ])

        let target = poll({ () -> [String: Any]? in
            let data = try? api(port, "/api/v1/targets")?["data"] as? [String: Any]
            return (data?["activeTargets"] as? [[String: Any]])?.first
        }, until: { $0["health"] as? String == "up" })
        XCTAssertEqual(target?["health"] as? String, "up", "target: \(target ?? [:])")
        XCTAssertEqual(target?["lastError"] as? String, "", "scrape error: \(target ?? [:])")
        XCTAssertEqual(target?["scrapeUrl"] as? String, "http://127.0.0.1:\(adminPort)/metrics")

        let total = try poll({ try instantValue(port, "sum(sluice_requests_total)") }, until: { $0 == "7" })
        XCTAssertEqual(total, "7", "sum(sluice_requests_total) in Prometheus")
        XCTAssertEqual(try instantValue(port, #"sluice_requests_total{class="2xx"}"#), "5")
        XCTAssertEqual(try instantValue(port, #"sluice_requests_total{class="4xx"}"#), "2")
        XCTAssertEqual(try instantValue(port, "sluice_request_duration_seconds_count"), "7")
        XCTAssertEqual(try instantValue(port, #"up{job="sluice"}"#), "1")
        // Prometheus's own view of the scrape: samples taken, none refused for being out of order or duplicated.
        XCTAssertGreaterThan(Double(try instantValue(port, "scrape_samples_scraped") ?? "0") ?? 0, 50)
        // The shipped rules evaluate against the real metrics: no rule errors, and the recording rules have data.
        let ruleStates = poll({ () -> [[String: Any]]? in
            let groups = (try? api(port, "/api/v1/rules")?["data"] as? [String: Any])?["groups"] as? [[String: Any]]
            return groups?.flatMap { $0["rules"] as? [[String: Any]] ?? [] }
        }, until: { $0.count == 9 && $0.allSatisfy { $0["health"] as? String == "ok" } })
        XCTAssertEqual(ruleStates?.count, 9, "rules loaded: \(ruleStates ?? [])")
        for rule in ruleStates ?? [] {
            XCTAssertEqual(rule["health"] as? String, "ok", "rule \(rule["name"] ?? "?"): \(rule["lastError"] ?? "")")
        }
        let recorded = try poll({ try instantValue(port, "count(sluice:requests:rate5m)") }, until: { $0 == "5" })
        XCTAssertEqual(recorded, "5", "sluice:requests:rate5m: one series per status class")

        let errors = prometheus?.allOutput.split(separator: "\n").filter { $0.contains("level=warn") || $0.contains("level=error") } ?? []
        XCTAssertEqual(errors, [], "Prometheus logged problems")
    }

    func testPromtoolCheckMetricsPassesTheExpositionWithoutAWarning() throws {
        try requireTool(Self.promtoolPath)
        let sluice = try startSluice {
            $0.rateLimit = ["enabled: true", "limits:", "  - { name: minute, requests: 1, per: 1m }"]
        }
        // Traffic that fills every family: answers, a refusal (top_limited), a rewritten error, upstream latency.
        let client = try connectToSluice()
        XCTAssertEqual(try send(client, "GET", "/v1/first").status, 200)
        XCTAssertEqual(try send(client, "GET", "/v1/second").status, 429)
        let metrics = try sluice.adminRequest("/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.text.contains("sluice_rate_limit_top_limited{identity="), metrics.text)

        let (status, report) = try promtool(["check", "metrics"], input: Data(metrics.body))
        XCTAssertEqual(status, 0, "promtool check metrics: \(report)")
        XCTAssertEqual(report.trimmingCharacters(in: .whitespacesAndNewlines), "", "promtool warnings")
    }

    func testTheShippedRulesPassPromtoolCheckAndTheirUnitTests() throws {
        try requireTool(Self.promtoolPath)
        let checked = try promtool(["check", "rules", rules])
        XCTAssertEqual(checked.status, 0, checked.output)
        XCTAssertTrue(checked.output.contains("SUCCESS: 9 rules found"), checked.output)
        let tested = try promtool(["test", "rules", rules.replacingOccurrences(of: ".yml", with: ".test.yml")])
        XCTAssertEqual(tested.status, 0, tested.output)
        XCTAssertTrue(tested.output.contains("SUCCESS"), tested.output)
    }

    /// Runs `promtool ARGUMENTS` with `input` on its stdin; returns its status and its stdout and stderr together.
    private func promtool(_ arguments: [String], input: Data = Data()) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.promtoolPath)
        process.arguments = arguments
        let stdin = Pipe(), output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
