import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// SPEC §2 SIGHUP through the real binary: a valid file applies to new requests and keeps rate-limit state (clamped
/// to a lowered capacity) and new targets; an invalid file is rejected with every problem as FILE:LINE and the old configuration
/// keeps running; reloads under load drop no request.
final class ReloadIntegrationTests: IntegrationTestCase {
    /// API keys required; an hourly limit and a per-minute limit of `minute` requests.
    private func limits(hour: Int = 100, minute: Int) -> (inout SluiceConfig) -> Void {
        return {
            $0.auth = ["require_api_key: true"]
            $0.rateLimit = ["enabled: true", "limits:",
                            "  - { name: hour, requests: \(hour), per: 1h }", "  - { name: minute, requests: \(minute), per: 1m }"]
        }
    }

    private func get(_ client: RawHTTPClient, key: String, file: StaticString = #filePath, line: UInt = #line) throws -> HTTPResponse {
        try send(client, "GET", "/v1/reload/\(key)", headers: bearer(key), file: file, line: line)
    }

    /// Sends requests with fresh keys on fresh connections until four in a row report `minute` as the minute limit
    /// (every worker switches between requests, each on its own loop), or `timeout` passes.
    private func waitUntilWorkersUse(minuteLimit minute: Int, timeout: TimeInterval = 5) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var streak = 0, probe = 0
        while streak < 4 && Date() < deadline {
            probe += 1
            let response = try get(try connectToSluice(), key: "probe-\(probe)")
            streak = response.header("X-RateLimit-Limit-Minute") == "\(minute)" ? streak + 1 : 0
        }
        XCTAssertEqual(streak, 4, "requests after the reload still report the old minute limit")
    }

    func testLoweringALimitBySIGHUPAppliesWhileKeysKeepTheirTokens() throws {
        let sluice = try startSluice(limits(minute: 10))
        // Written first: on a busy disk a write can take seconds, and a token comes back every 6 s.
        let lowered = try sluice.prepareConfig(config(limits(minute: 5)).yaml)
        let client = try connectToSluice()
        var last: HTTPResponse?
        for _ in 0..<8 { last = try get(client, key: "heavy-user") }
        XCTAssertEqual(last?.header("X-RateLimit-Remaining-Minute"), "2")
        XCTAssertEqual(try get(client, key: "light-user").header("X-RateLimit-Remaining-Minute"), "9")

        try sluice.reload(toPrepared: lowered)
        try waitUntilWorkersUse(minuteLimit: 5)

        let heavy = try get(client, key: "heavy-user")
        XCTAssertEqual(heavy.status, 200)
        XCTAssertEqual(heavy.header("X-RateLimit-Limit-Minute"), "5")
        XCTAssertEqual(heavy.header("X-RateLimit-Remaining-Minute"), "1", "heavy-user's 2 tokens were not kept (a reset would give 4)")
        XCTAssertEqual(heavy.header("X-RateLimit-Remaining-Hour"), "91", "the unchanged hour limit lost its state")
        XCTAssertTrue(heavy.header("RateLimit-Policy")?.contains(#""minute";q=5;w=60"#) ?? false, heavy.header("RateLimit-Policy") ?? "none")
        let light = try get(client, key: "light-user")
        XCTAssertEqual(light.header("X-RateLimit-Remaining-Minute"), "4", "light-user's 9 tokens were not clamped to the new capacity 5")
        XCTAssertEqual(light.header("X-RateLimit-Remaining-Hour"), "98")
        XCTAssertEqual(try get(client, key: "new-user").header("X-RateLimit-Remaining-Minute"), "4")

        XCTAssertEqual(try get(client, key: "heavy-user").header("X-RateLimit-Remaining-Minute"), "0")
        let refused = try get(client, key: "heavy-user")
        assertEnvelope(refused, status: 429, code: "RATE_LIMIT_EXCEEDED")
        XCTAssertEqual((refused.jsonObject?["error"] as? [String: Any]).flatMap { $0["details"] as? [String: Any] }?["limit"] as? Int, 5)
    }

    func testReloadStartsRenamedLimitsFullAndDropsRemovedOnes() throws {
        let sluice = try startSluice(limits(minute: 10))
        let client = try connectToSluice()
        for _ in 0..<6 { XCTAssertEqual(try get(client, key: "renamed").status, 200) }
        try sluice.reload(with: config {
            $0.auth = ["require_api_key: true"]
            $0.rateLimit = ["enabled: true", "limits:", "  - { name: hour, requests: 100, per: 1h }", "  - { name: burst, requests: 10, per: 1m }"]
        }.yaml)
        let deadline = Date().addingTimeInterval(5)
        var probe = try get(try connectToSluice(), key: "rename-probe")
        while probe.header("X-RateLimit-Limit-Burst") == nil && Date() < deadline {
            usleep(20_000)
            probe = try get(try connectToSluice(), key: "rename-probe")
        }
        let after = try get(client, key: "renamed")
        XCTAssertEqual(after.header("X-RateLimit-Remaining-Burst"), "9", "a limit under a new name must start with full buckets")
        XCTAssertEqual(after.header("X-RateLimit-Remaining-Hour"), "93", "the kept hour limit lost its state")
        XCTAssertNil(after.header("X-RateLimit-Limit-Minute"), "the removed minute limit is still reported")
        XCTAssertFalse(after.header("RateLimit-Policy")?.contains("minute") ?? true, after.header("RateLimit-Policy") ?? "none")
    }

    func testABurstOfSIGHUPsLeavesTheLastFileAppliedAndTheProcessServing() throws {
        let sluice = try startSluice(limits(minute: 10))
        let path = try sluice.prepareConfig(config(limits(minute: 7)).yaml)
        guard rename(path, sluice.configPath) == 0 else { return XCTFail("rename: errno \(errno)") }
        for _ in 0..<30 { sluice.signal(SIGHUP) }
        try sluice.waitForLogLines(containing: "reloaded", moreThan: 0)
        try waitUntilWorkersUse(minuteLimit: 7)
        XCTAssertTrue(sluice.child.process.isRunning)
        XCTAssertEqual(try sluice.adminRequest("/healthz").status, 200)
    }

    func testInvalidFileOnSIGHUPIsRejectedWithEveryProblemAndTheOldConfigKeepsRunning() throws {
        let sluice = try startSluice(limits(minute: 10))
        var broken = config(limits(minute: 0))
        broken.server = ["bogus_key: 1"]
        let yaml = broken.yaml
        let lines = yaml.components(separatedBy: "\n")
        let bogusLine = try XCTUnwrap(lines.firstIndex { $0.contains("bogus_key") }) + 1
        let zeroLine = try XCTUnwrap(lines.firstIndex { $0.contains("requests: 0") }) + 1
        // Written first: on a busy disk a write can take seconds, and a token comes back every 6 s.
        let brokenFile = try sluice.prepareConfig(yaml)
        let unparseableFile = try sluice.prepareConfig(config(limits(minute: 3)).yaml.replacingOccurrences(of: "targets: [", with: "targets: [["))
        let client = try connectToSluice()
        XCTAssertEqual(try get(client, key: "steady").header("X-RateLimit-Remaining-Minute"), "9")

        let before = sluice.logLines(containing: "reload rejected").count
        try sluice.reload(toPrepared: brokenFile, expecting: "reload rejected")
        let rejected = try sluice.waitForLogLines(containing: "reload rejected", moreThan: before + 1).dropFirst(before)
        XCTAssertTrue(rejected.contains { $0.contains("\(sluice.configPath):\(bogusLine): server.bogus_key") },
                      "no FILE:LINE problem for the unknown key at line \(bogusLine): \(rejected)")
        XCTAssertTrue(rejected.contains { $0.contains("\(sluice.configPath):\(zeroLine): rate_limit.limits[1].requests") },
                      "no FILE:LINE problem for requests: 0 at line \(zeroLine): \(rejected)")

        let syntax = try sluice.reload(toPrepared: unparseableFile, expecting: "reload rejected")
        XCTAssertTrue(syntax.contains { $0.contains("\(sluice.configPath):") }, "a YAML syntax error without FILE:LINE: \(syntax)")

        XCTAssertTrue(sluice.child.process.isRunning, "sluice exited after an invalid reload")
        let after = try get(client, key: "steady")
        XCTAssertEqual(after.status, 200)
        XCTAssertEqual(after.header("X-RateLimit-Limit-Minute"), "10", "the old configuration was not kept")
        XCTAssertEqual(after.header("X-RateLimit-Remaining-Minute"), "8", "the key's state was not kept")
        XCTAssertEqual(try sluice.adminRequest("/healthz").status, 200)

        try sluice.reload(with: config(limits(minute: 7)).yaml)
        try waitUntilWorkersUse(minuteLimit: 7)
    }

    func testReloadMovesNewRequestsToTheNewTargets() throws {
        let second = try UpstreamProcess()
        defer { second.stop() }
        let sluice = try startSluice()
        let client = try connectToSluice()
        XCTAssertEqual(try send(client, "GET", "/v1/before").status, 200)
        try sluice.reload(with: config { $0.targets = [second.address] }.yaml)
        let firstHits = try upstream.hits()
        for i in 0..<4 { XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/after/\(i)").status, 200) }
        XCTAssertEqual(try send(client, "GET", "/v1/after/kept-alive").status, 200)
        XCTAssertEqual(try second.hits(), 5, "requests after the reload did not go to the new target")
        XCTAssertEqual(try upstream.hits(), firstHits, "the removed target still got requests")
    }

    func testReloadMovesThePublicListenerToANewAddress() throws {
        let sluice = try startSluice()
        let oldPort = sluice.port
        let kept = try connectToSluice()
        XCTAssertEqual(try send(kept, "GET", "/v1/before-move").status, 200)
        let newPort = try RawHTTPClient.unusedPort()
        try sluice.reload(with: config { $0.server = [#"listen: "127.0.0.1:\#(newPort)""#] }.yaml)

        let moved = try RawHTTPClient(port: newPort)
        XCTAssertEqual(try send(moved, "GET", "/v1/on-new-port").status, 200, "the new listen address does not serve")
        let deadline = Date().addingTimeInterval(5)
        var oldPortRefuses = false
        while !oldPortRefuses && Date() < deadline {
            oldPortRefuses = (try? RawHTTPClient(port: oldPort)) == nil
            if !oldPortRefuses { usleep(20_000) }
        }
        XCTAssertTrue(oldPortRefuses, "the old listen address still accepts connections after the reload")
        XCTAssertEqual(try send(kept, "GET", "/v1/kept-alive").status, 200, "a keep-alive connection from before the move was dropped")
    }

    func testReloadAppliesANewAdminTokenOnTheSameAdminPort() throws {
        let adminPort = try RawHTTPClient.unusedPort()
        let listen = #"listen: "127.0.0.1:\#(adminPort)""#
        let sluice = try startSluice { $0.admin = [listen] }
        XCTAssertEqual(sluice.adminPort, adminPort)
        XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/counted").status, 200)
        XCTAssertEqual(try sluice.adminRequest("/stats").status, 200)

        try sluice.reload(with: config { $0.admin = [listen, #"token: "rotated-admin-token""#] }.yaml)
        let deadline = Date().addingTimeInterval(5)
        var open = try? sluice.adminRequest("/stats")
        while open?.status != 401 && Date() < deadline {
            usleep(20_000)
            open = try? sluice.adminRequest("/stats")
        }
        assertEnvelope(open, status: 401, oneOf: ["MISSING_AUTHORIZATION", "INVALID_API_KEY"])
        let figures = try sluice.stats(token: "rotated-admin-token")
        XCTAssertEqual(figures.jsonInt(at: "requests", "total"), 1, "figures from before the reload were lost: \(figures)")
        XCTAssertEqual(try sluice.adminRequest("/healthz").status, 200)
    }

    func testReloadsEvery300msUnderLoadDropNoRequestNorLimiterStateNorLogLine() throws {
        let second = try UpstreamProcess()
        defer { second.stop() }
        // 100 000 per hour refills 27.8 tokens a second: a key's Remaining-Hour after N requests over T seconds stays
        // within [100000 - N, 100000 - N + 27.8 T], far below what a bucket reset by a reload would show.
        func loadConfig(minute: Int, bothTargets: Bool) -> SluiceConfig {
            var next = config(limits(hour: 100_000, minute: minute))
            next.logging = ["access_log: stdout"]
            if bothTargets { next.targets.append(second.address) }
            return next
        }
        let sluice = try SluiceProcess(config: loadConfig(minute: 1_000_000, bothTargets: false))
        self.sluice = sluice
        // Alternate the limits and the target list, so that pools and health state are rebuilt too.
        var prepared: [String] = []
        defer { for path in prepared { try? FileManager.default.removeItem(atPath: path) } }
        for reload in 1...12 {
            prepared.append(try sluice.prepareConfig(loadConfig(minute: reload % 2 == 0 ? 1_000_000 : 999_999, bothTargets: reload % 2 == 1).yaml))
        }
        let tally = LoadTally()
        let started = Date()
        let stopAt = started.addingTimeInterval(3)
        let group = DispatchGroup()
        let port = sluice.port
        for thread in 0..<8 {
            group.enter()
            Thread {
                tally.run(port: port, key: "load-key-\(thread)", until: stopAt)
                group.leave()
            }.start()
        }
        var reloads = 0
        while Date() < stopAt && reloads < prepared.count {
            // One SIGHUP every 300 ms (each waits for its "reloaded" line, so a slow machine makes fewer).
            let due = started.addingTimeInterval(0.3 * Double(reloads + 1))
            usleep(UInt32(max(0, due.timeIntervalSinceNow) * 1_000_000))
            try sluice.reload(toPrepared: prepared[reloads])
            reloads += 1
        }
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success, "load threads hung")
        let elapsed = Date().timeIntervalSince(started)
        let result = tally.result
        print("reload under load: \(result.answered) answered, \(result.failures.count) failed, \(reloads) reloads")
        XCTAssertGreaterThanOrEqual(reloads, 6)
        XCTAssertGreaterThan(result.answered, 100, "the load generator hardly ran")
        XCTAssertEqual(result.failures.count, 0, "\(result.failures.count) of \(result.answered + result.failures.count) requests failed "
            + "during \(reloads) reloads, e.g. \(result.failures.prefix(5))")
        for (key, sent) in result.perKey {
            let remaining = result.lastRemainingHour[key] ?? -1
            XCTAssertGreaterThanOrEqual(remaining, 100_000 - sent, "\(key): \(sent) requests")
            XCTAssertLessThanOrEqual(remaining, 100_000 - sent + Int(27.8 * elapsed) + 1,
                                     "\(key): \(sent) requests, yet Remaining-Hour \(remaining): a reload reset its bucket")
        }
        XCTAssertTrue(sluice.child.process.isRunning)
        let figures = try sluice.stats()
        XCTAssertEqual(figures.jsonInt(at: "requests", "total"), result.answered, "\(figures)")
        XCTAssertEqual(figures.jsonInt(at: "requests", "by_status", "2xx"), result.answered, "\(figures)")

        sluice.signal(SIGTERM)
        XCTAssertEqual(try sluice.waitForExit(timeout: 15), 0)
        sluice.child.waitForOutputClosed()
        let logged = sluice.child.standardOutput.split(separator: "\n").filter { $0.contains(#""status":200"#) }.count
        XCTAssertEqual(logged, result.answered, "access-log lines vs requests answered across the reloads")
    }
}

/// Keep-alive load from several threads: counts 200 answers per key, keeps each key's last `X-RateLimit-Remaining-Hour`,
/// and records every other outcome.
final class LoadTally: @unchecked Sendable {
    /// What the load threads saw.
    struct Result {
        var answered = 0
        var perKey: [String: Int] = [:]
        var lastRemainingHour: [String: Int] = [:]
        var failures: [String] = []
    }

    private let lock = NSLock()
    private var state = Result()

    var result: Result { lock.withLock { state } }

    /// Sends GETs with `key` on one keep-alive connection until `deadline`; reconnects only after the server
    /// announced `Connection: close` or after a failure.
    func run(port: UInt16, key: String, until deadline: Date) {
        var client: RawHTTPClient?
        var sequence = 0
        while Date() < deadline {
            sequence += 1
            do {
                if client == nil { client = try RawHTTPClient(port: port, timeout: 10) }
                guard let response = try client!.request("GET", "/v1/load/\(key)/\(sequence)", headers: [("Authorization", "Bearer \(key)")]) else {
                    record(failure: "request \(sequence) of \(key): connection closed without a response")
                    client = nil
                    continue
                }
                if response.status == 200 {
                    lock.withLock {
                        state.answered += 1
                        state.perKey[key, default: 0] += 1
                        state.lastRemainingHour[key] = response.header("X-RateLimit-Remaining-Hour").flatMap { Int($0) }
                    }
                } else {
                    record(failure: "request \(sequence) of \(key): \(response.status) \(response.text.prefix(120))")
                }
                if response.closesConnection { client = nil }
            } catch {
                record(failure: "request \(sequence) of \(key): \(error)")
                client = nil
            }
        }
    }

    private func record(failure: String) { lock.withLock { state.failures.append(failure) } }
}
