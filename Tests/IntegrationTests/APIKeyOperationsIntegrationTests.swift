import Foundation
import OpenSSLBinding
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// SPEC §10 operations through the real binaries: reloading the keys file (by signal, by change, refusing a bad
/// file), plan moves keeping buckets, `check` and start-up problems, the `keys new` round trip, `GET /keys/<id>`,
/// the auth counters, `consumer` in the access log, and no raw key in sluice's output.
final class APIKeyOperationsIntegrationTests: IntegrationTestCase {
    private var keys = KeysFile()
    private let first = "keva_ops_First00000000000000000001"
    private let second = "keva_ops_Second0000000000000000001"
    private let plans = [
        "limits:", "  - { name: minute, requests: 10, per: 1m }",
        "plans:", "  small: [{ name: minute, requests: 5, per: 1m }]", "  large: [{ name: minute, requests: 50, per: 1m }]",
    ]

    override func tearDown() {
        keys.remove()
        super.tearDown()
    }

    func testSIGHUPRereadsTheKeysFile() throws {
        try keys.write([KeysFile.line(id: "first", key: first)])
        let sluice = try startKeyedSluice(keys, auth: ["keys_reload: 1h"])
        XCTAssertEqual(try sendFresh("GET", "/v1/users", key: first).status, 200)
        XCTAssertEqual(try sendFresh("GET", "/v1/users", key: second).status, 401)
        try keys.write([KeysFile.line(id: "first", key: first, revoked: true), KeysFile.line(id: "second", key: second)])
        try sluice.reload(with: try sluice.configYAML)
        XCTAssertEqual(try sendFresh("GET", "/v1/users", key: second).status, 200)
        XCTAssertEqual(try sendFresh("GET", "/v1/users", key: first).errorCode, "API_KEY_REVOKED")
    }

    func testAChangedFileIsReadWithinKeysReloadAndABadOneIsKeptOut() throws {
        try keys.write([KeysFile.line(id: "first", key: first)])
        let sluice = try startKeyedSluice(keys, auth: ["keys_reload: 200ms"])
        XCTAssertEqual(try sendFresh("GET", "/v1/users", key: second).status, 401)
        let loadedBefore = sluice.logLines(containing: "keys loaded").count
        try keys.write([KeysFile.line(id: "first", key: first), KeysFile.line(id: "second", key: second)])
        XCTAssertTrue(try eventually { try sendFresh("GET", "/v1/users", key: second).status == 200 },
                      "the changed keys file was not read:\n\(sluice.output)")
        XCTAssertGreaterThan(sluice.logLines(containing: "keys loaded").count, loadedBefore)

        // A file with problems: each is logged with its line, and the keys in force stay.
        try keys.write([KeysFile.line(id: "first", key: first), #"{"id": "third", "sha256": "nope"}"#, "not json"])
        let problems = try sluice.waitForLogLines(containing: "keys file rejected", moreThan: 1)  // both problems
        XCTAssertTrue(problems.contains { $0.contains("\(keys.path):2: sha256") }, problems.joined(separator: "\n"))
        XCTAssertTrue(problems.contains { $0.contains("\(keys.path):3: not valid JSON") }, problems.joined(separator: "\n"))
        XCTAssertEqual(try sendFresh("GET", "/v1/users", key: second).status, 200, "a bad file replaced the keys in force")
        XCTAssertEqual(try sluice.stats().jsonInt(at: "auth", "keys_loaded"), 2)
    }

    func testAConsumerMovedToAnotherPlanKeepsItsBucketsByLimitName() throws {
        try keys.write([KeysFile.line(id: "mover", key: first, plan: "small")])
        let sluice = try startKeyedSluice(keys, auth: ["keys_reload: 1h"], rateLimit: plans)
        let client = try connectToSluice()
        var last: HTTPResponse?
        for _ in 0..<3 { last = try send(client, "GET", "/v1/users", headers: bearer(first)) }
        XCTAssertEqual(last?.header("X-RateLimit-Remaining-Minute"), "2")
        try keys.write([KeysFile.line(id: "mover", key: first, plan: "large")])
        try sluice.reload(with: try sluice.configYAML)
        let moved = try send(try connectToSluice(), "GET", "/v1/users", headers: bearer(first))
        XCTAssertEqual(moved.header("X-RateLimit-Limit-Minute"), "50", moved.text)
        XCTAssertEqual(moved.header("X-RateLimit-Remaining-Minute"), "1",
                       "the 2 tokens left under small went along (a fresh bucket would leave 49)")
    }

    func testCheckAndStartUpReportEveryProblemOfTheKeysFileWithItsLine() throws {
        try keys.write([
            KeysFile.line(id: "ok", key: first),
            #"{"id": "bad id!", "sha256": "\#(String(repeating: "a", count: 64))"}"#,
            KeysFile.line(id: "ok", key: second, plan: "missing-plan"),
            KeysFile.line(id: "ok", key: first),
        ])
        let path = try SluiceProcess.writeTemporaryConfig(keyedConfig(keys, rateLimit: plans).yaml)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for arguments in [["check", "--config", path], ["--config", path]] {
            let (status, output) = try SluiceProcess.run(arguments, timeout: 30)
            XCTAssertEqual(status, 2, "\(arguments): \(output)")
            for line in [2, 3, 4] {
                XCTAssertTrue(output.contains("\(keys.path):\(line): "), "\(arguments): line \(line) missing in:\n\(output)")
            }
            XCTAssertFalse(output.contains(first) || output.contains(second), "a raw key in: \(output)")
        }
        try keys.write([KeysFile.line(id: "ok", key: first, plan: "small")])
        let (status, output) = try SluiceProcess.run(["check", "--config", path], timeout: 30)
        XCTAssertEqual(status, 0, output)
    }

    func testTheDemoConfigurationOfRunShPassesCheckWithItsKeysFile() throws {
        // config/demo.yaml names its keys file relative to the repository root, where scripts/run.sh runs.
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(BinaryLocator.packageRoot.path))
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        let (status, output) = try SluiceProcess.run(["check", "--config", "config/demo.yaml"])
        XCTAssertEqual(status, 0, output)
    }

    func testAKeyFromKeysNewIsAcceptedOnceItsLineIsInTheFile() throws {
        let child = try ChildProcess(
            executable: try BinaryLocator.path(of: "sluice"), arguments: ["keys", "new", "--id", "cli-made", "--plan", "small", "--prefix", "keva_cli_"])
        XCTAssertEqual(try child.waitForExit(timeout: 30), 0, child.allOutput)
        child.waitForOutputClosed(timeout: 30)
        let line = child.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let key = child.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
        try keys.write([line])
        try startKeyedSluice(keys, auth: ["key_prefix: keva_cli_"], rateLimit: plans)
        let (response, echoed) = try echo(try connectToSluice(), headers: bearer(key))
        XCTAssertEqual(response.header("X-RateLimit-Limit-Minute"), "5", "the key's plan")
        XCTAssertEqual(echoed.headers(named: "X-Consumer-Id"), ["cli-made"])
        XCTAssertEqual(echoed.headers(named: "X-Consumer-Plan"), ["small"])
    }

    func testKeysEndpointShowsAConsumersKeysAndLimitsBehindTheToken() throws {
        try keys.write([
            KeysFile.line(id: "support-case", key: first, plan: "small", expires: "2099-01-01T00:00:00Z"),
            KeysFile.line(id: "support-case", key: second, plan: "small", revoked: true),
        ])
        let sluice = try startKeyedSluice(keys, rateLimit: plans) { $0.admin = ["token: admin-secret"] }
        for _ in 0..<2 { XCTAssertEqual(try sendFresh("GET", "/v1/users", key: first).status, 200) }
        XCTAssertEqual(try sluice.adminRequest("/keys/support-case").status, 401, "/keys/<id> must be guarded like /stats")
        let token = [("Authorization", "Bearer admin-secret")]
        let response = try sluice.adminRequest("/keys/support-case", headers: token)
        XCTAssertEqual(response.status, 200, response.text)
        let json = try XCTUnwrap(response.jsonObject, response.text)
        XCTAssertEqual(json["id"] as? String, "support-case")
        XCTAssertEqual(json["plan"] as? String, "small")
        let listed = try XCTUnwrap(json["keys"] as? [[String: Any]], response.text)
        XCTAssertEqual(listed.count, 2)
        let prefixes = listed.compactMap { $0["sha256_prefix"] as? String }
        XCTAssertEqual(Set(prefixes), Set([first, second].map { String(sha256Hex($0).prefix(12)) }))
        let revoked = listed.first { ($0["revoked"] as? Bool) == true }
        XCTAssertTrue(revoked?["expires"] is NSNull, "\(listed)")
        XCTAssertEqual(listed.first { ($0["revoked"] as? Bool) == false }?["expires"] as? String, "2099-01-01T00:00:00Z")
        let limits = try XCTUnwrap(json["limits"] as? [[String: Any]], response.text)
        XCTAssertEqual(limits.count, 1)
        XCTAssertEqual(limits.first?["name"] as? String, "minute")
        XCTAssertEqual(limits.first?["requests"] as? Int, 5)
        XCTAssertEqual(limits.first?["per_seconds"] as? Int, 60)
        XCTAssertEqual(limits.first?["remaining"] as? Int, 3)
        let reset = limits.first?["reset"] as? Int ?? 0
        let now = Int(Date().timeIntervalSince1970)
        XCTAssertTrue((now...now + 61).contains(reset), "reset \(reset), now \(now)")
        XCTAssertFalse(response.text.contains(first) || response.text.contains(second), "a raw key in /keys")
        // Reading it took no token.
        XCTAssertEqual(try sendFresh("GET", "/v1/users", key: first).header("X-RateLimit-Remaining-Minute"), "2")

        let unknown = try sluice.adminRequest("/keys/nobody", headers: token)
        assertEnvelope(unknown, status: 404, code: "RESOURCE_NOT_FOUND")
    }

    func testAuthCountersInStatsAndMetricsAndTheConsumerInTheAccessLog() throws {
        try keys.write([
            KeysFile.line(id: "counted", key: first, scopes: []),
            KeysFile.line(id: "counted", key: second, revoked: true),
        ])
        let invented = "keva_ops_Invented000000000000000001"
        let sluice = try startKeyedSluice(keys, auth: [
            "failed_auth_limit: { requests: 3, per: 1m }", "scopes: [{ path: /admin, scope: root }]",
        ]) { $0.logging = ["access_log: stdout"] }
        let requests: [(key: String?, path: String, status: Int)] = [
            (first, "/v1/users", 200), (first, "/v1/users", 200), (first, "/admin/x", 403), (nil, "/v1/users", 401),
            (second, "/v1/users", 401), (invented, "/v1/users", 401), (invented, "/v1/users", 401),
            (invented, "/v1/users", 429), (first, "/v1/users", 429),
        ]
        for request in requests {
            XCTAssertEqual(try sendFresh("GET", request.path, key: request.key).status, request.status, "\(request)")
        }
        let expected = ["accepted": 2, "missing": 1, "invalid": 2, "revoked": 1, "expired": 0, "forbidden": 1, "throttled": 2]
        let stats = try sluice.waitForStats { $0.jsonInt(at: "requests", "total") == requests.count }
        for (name, count) in expected { XCTAssertEqual(stats.jsonInt(at: "auth", name), count, "auth.\(name) in \(stats)") }
        XCTAssertEqual(stats.jsonInt(at: "auth", "keys_loaded"), 2)

        let metrics = try PrometheusExposition(parsing: try sluice.adminRequest("/metrics").text)
        for (name, count) in expected {
            XCTAssertEqual(metrics.value("sluice_auth_requests_total", ["outcome": name]), Double(count), name)
        }
        XCTAssertEqual(metrics.value("sluice_auth_keys_loaded"), 2)

        XCTAssertTrue(eventually { sluice.child.standardOutput.split(separator: "\n").count >= requests.count })
        let lines = sluice.child.standardOutput.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        XCTAssertEqual(lines.map { $0["consumer"] as? String }, [
            "counted", "counted", nil, nil, nil, nil, nil, nil, nil,
        ], "only accepted keys name their consumer (a 403 has been refused)")
        for raw in [first, second, invented] {
            XCTAssertFalse(sluice.output.contains(raw), "a raw key appears in sluice's output:\n\(sluice.output)")
        }
    }

    private func sha256Hex(_ key: String) -> String {
        SHA256Digest(hashing: key).hex
    }
}
