import Foundation
import OpenSSLBinding
import XCTest

/// A keys file for a test (SPEC §10): lines built from raw keys (hashed here, as `sluice keys hash` would), written
/// to a temporary file that is replaced by a rename, so sluice never reads half of it.
struct KeysFile {
    let path = NSTemporaryDirectory() + "sluice-keys-\(UUID().uuidString).jsonl"

    /// One keys-file line for `key`.
    static func line(id: String, key: String, plan: String? = nil, scopes: [String]? = nil, expires: String? = nil,
                     revoked: Bool = false) -> String {
        var members = [#""id": "\#(id)""#, #""sha256": "\#(SHA256Digest(hashing: key).hex)""#]
        if let plan { members.append(#""plan": "\#(plan)""#) }
        if let scopes { members.append(#""scopes": [\#(scopes.map { "\"\($0)\"" }.joined(separator: ", "))]"#) }
        if let expires { members.append(#""expires": "\#(expires)""#) }
        if revoked { members.append(#""revoked": true"#) }
        return "{" + members.joined(separator: ", ") + "}"
    }

    /// Replaces the file with `lines`.
    func write(_ lines: [String]) throws {
        let staging = path + ".\(UUID().uuidString)"
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: staging))
        guard rename(staging, path) == 0 else { throw SluiceProcess.OperatingFailure(description: "rename: errno \(errno)") }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

extension IntegrationTestCase {
    /// A configuration with `keys` as its keys file, keys required, and `rateLimit` (limits and plans) enabled.
    func keyedConfig(_ keys: KeysFile, auth: [String] = [], rateLimit: [String] = [],
                     _ configure: (inout SluiceConfig) -> Void = { _ in }) -> SluiceConfig {
        config {
            $0.auth = ["require_api_key: true", #"keys_file: "\#(keys.path)""#] + auth
            $0.rateLimit = ["enabled: true"] + rateLimit
            configure(&$0)
        }
    }

    /// Starts sluice with `keyedConfig(…)`.
    @discardableResult
    func startKeyedSluice(_ keys: KeysFile, auth: [String] = [], rateLimit: [String] = [],
                          _ configure: (inout SluiceConfig) -> Void = { _ in }) throws -> SluiceProcess {
        let process = try SluiceProcess(config: keyedConfig(keys, auth: auth, rateLimit: rateLimit, configure))
        sluice = process
        return process
    }

    /// Sends one request on a fresh connection (a refusal may close the connection).
    func sendFresh(_ method: String, _ target: String, key: String?, headers: [(String, String)] = [],
                   file: StaticString = #filePath, line: UInt = #line) throws -> HTTPResponse {
        let client = try connectToSluice()
        defer { client.close() }
        return try send(client, method, target, headers: (key.map(bearer) ?? []) + headers, file: file, line: line)
    }

    /// The envelope's `error.message`.
    func errorMessage(_ response: HTTPResponse) -> String? {
        (response.jsonObject?["error"] as? [String: Any])?["message"] as? String
    }

    /// The envelope's `error.details`.
    func errorDetails(_ response: HTTPResponse) -> [String: Any]? {
        (response.jsonObject?["error"] as? [String: Any])?["details"] as? [String: Any]
    }

    /// Polls `body` until it returns true or `timeout` passes; returns its last answer.
    func eventually(timeout: TimeInterval = 10, _ body: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try body() { return true }
            usleep(50_000)
        }
        return try body()
    }
}

extension SluiceProcess {
    /// The configuration file sluice runs with (for a SIGHUP that re-reads the same settings).
    var configYAML: String {
        get throws { try String(contentsOfFile: configPath, encoding: .utf8) }
    }
}
