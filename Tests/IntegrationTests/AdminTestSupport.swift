import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Helpers for the operating tests (issue 6): the admin listener, `/stats`, sluice's log, and rewriting the
/// configuration file before a SIGHUP.
extension SluiceProcess {
    /// Thrown when sluice has no admin listener or does not log what a test waits for.
    struct OperatingFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// One request to the admin listener on a fresh connection (the admin endpoint closes after each answer).
    func adminRequest(_ path: String, method: String = "GET", headers: [(String, String)] = []) throws -> HTTPResponse {
        guard let adminPort else { throw OperatingFailure(description: "sluice logged no admin listener:\n\(output)") }
        let client = try RawHTTPClient(port: adminPort)
        defer { client.close() }
        guard let response = try client.request(method, path, headers: headers) else {
            throw OperatingFailure(description: "the admin listener closed without answering \(method) \(path)")
        }
        return response
    }

    /// `GET /stats` parsed as a JSON object (with `Authorization: Bearer token` when a token is given).
    func stats(token: String? = nil) throws -> [String: Any] {
        let response = try adminRequest("/stats", headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [])
        guard response.status == 200, let json = response.jsonObject else {
            throw OperatingFailure(description: "/stats answered \(response.status): \(response.text.prefix(300))")
        }
        return json
    }

    /// Reads `/stats` until `condition` holds or `timeout` passes, and returns the last figures read either way, so
    /// that the caller's assertions show what differed. Only for what changes on its own (a request sluice has yet
    /// to read, a health check): figures are live, so a request already answered is counted by the next read.
    func waitForStats(token: String? = nil, timeout: TimeInterval = 5, until condition: ([String: Any]) -> Bool) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        var figures = try stats(token: token)
        while !condition(figures) && Date() < deadline {
            usleep(50_000)
            figures = try stats(token: token)
        }
        return figures
    }

    /// The lines sluice wrote to stderr (its log) that contain `text`.
    func logLines(containing text: String) -> [String] {
        child.standardError.split(separator: "\n").map(String.init).filter { $0.contains(text) }
    }

    /// Waits until more than `count` log lines contain `text`, and returns them all.
    @discardableResult
    func waitForLogLines(containing text: String, moreThan count: Int, timeout: TimeInterval = 5) throws -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let lines = logLines(containing: text)
            if lines.count > count { return lines }
            usleep(10_000)
        }
        throw OperatingFailure(description: "sluice logged no new line containing \"\(text)\" within \(timeout) s:\n\(output)")
    }

    /// Waits until the sluice process has ended (gone, or a zombie not yet reaped, read from /proc so that the
    /// moment is not delayed by how Foundation notices the exit); false on timeout.
    func waitUntilEnded(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return true }
            if stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z") { return true }
            usleep(2_000)
        }
        return false
    }

    /// Replaces the configuration file with `yaml` and sends SIGHUP; returns the new log lines containing
    /// `outcome` ("reloaded" or "reload rejected") once there is one.
    @discardableResult
    func reload(with yaml: String, expecting outcome: String = "reloaded", timeout: TimeInterval = 5) throws -> [String] {
        try reload(toPrepared: try prepareConfig(yaml), expecting: outcome, timeout: timeout)
    }

    /// Writes `yaml` beside the configuration file and returns its path, for `reload(toPrepared:)`. (Writing can take
    /// seconds on a busy disk, so a test that paces its reloads writes the files first.)
    func prepareConfig(_ yaml: String) throws -> String {
        let path = configPath + ".\(UUID().uuidString)"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Renames a prepared file over the configuration file (sluice never reads half a file), sends SIGHUP, and
    /// returns the new log lines containing `outcome` once there is one.
    @discardableResult
    func reload(toPrepared path: String, expecting outcome: String = "reloaded", timeout: TimeInterval = 5) throws -> [String] {
        let before = logLines(containing: outcome).count
        guard rename(path, configPath) == 0 else { throw OperatingFailure(description: "rename \(path): errno \(errno)") }
        signal(SIGHUP)
        let lines = try waitForLogLines(containing: outcome, moreThan: before, timeout: timeout)
        return Array(lines.dropFirst(before))
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The value at a path of object keys in parsed JSON, e.g. `json.jsonValue(at: "requests", "by_status", "2xx")`.
    func jsonValue(at path: String...) -> Any? { jsonValue(at: path) }

    /// The value at a path of object keys in parsed JSON.
    func jsonValue(at path: [String]) -> Any? {
        var current: Any? = self
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }

    /// The whole number at a path of object keys, nil when absent or not a whole number.
    func jsonInt(at path: String...) -> Int? { jsonInt(at: path) }

    /// The whole number at a path of object keys, nil when absent or not a whole number.
    func jsonInt(at path: [String]) -> Int? {
        guard let number = (jsonValue(at: path) as? NSNumber)?.doubleValue, number.rounded() == number, abs(number) < 1e15 else { return nil }
        return Int(number)
    }
}

extension IntegrationTestCase {
    /// The canonical error envelope with any of `codes` (for answers whose exact code the spec leaves open).
    func assertEnvelope(_ response: HTTPResponse?, status: Int, oneOf codes: [String], file: StaticString = #filePath, line: UInt = #line) {
        let code = response?.errorCode ?? ""
        assertEnvelope(response, status: status, code: codes.contains(code) ? code : codes[0], file: file, line: line)
    }

    /// Waits until the upstream has counted `count` requests, so that what follows happens while they are in flight.
    func waitForUpstreamHits(_ count: Int, timeout: TimeInterval = 5, file: StaticString = #filePath, line: UInt = #line) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try upstream.hits() < count {
            guard Date() < deadline else {
                return XCTFail("the upstream saw \(try upstream.hits()) requests, expected \(count)", file: file, line: line)
            }
            usleep(10_000)
        }
    }

    /// A fresh directory in the temporary directory, removed when the test ends.
    func makeTemporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "sluice-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        return directory
    }

    /// `Authorization: Bearer key` as a header list.
    func bearer(_ key: String) -> [(String, String)] { [("Authorization", "Bearer \(key)")] }
}
