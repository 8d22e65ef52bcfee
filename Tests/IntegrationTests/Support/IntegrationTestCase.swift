import Foundation
import XCTest

/// Base class: starts a demo-upstream before each test, offers `startSluice`, and kills both by PID afterwards
/// (printing sluice's output when the test failed).
class IntegrationTestCase: XCTestCase {
    var upstream: UpstreamProcess!
    var sluice: SluiceProcess?

    override func setUpWithError() throws {
        try super.setUpWithError()
        upstream = try UpstreamProcess()
    }

    override func tearDown() {
        if let sluice, hasRecordedFailures {
            print("---- sluice output (\(name)) ----\n\(sluice.output)\n---- end ----")
        }
        sluice?.stop()
        sluice = nil
        upstream?.stop()
        upstream = nil
        super.tearDown()
    }

    /// Whether the running test has recorded a failure or an unexpected error so far. Usable in `tearDown`, where
    /// `testRun.hasSucceeded` is still false on Linux (it is only true once the run has stopped); a skipped test
    /// has recorded none.
    var hasRecordedFailures: Bool { (testRun?.totalFailureCount ?? 0) > 0 }

    /// The default test configuration for the current upstream, changed by `configure`.
    func config(_ configure: (inout SluiceConfig) -> Void = { _ in }) -> SluiceConfig {
        var config = SluiceConfig(targets: [upstream.address])
        configure(&config)
        return config
    }

    /// Starts sluice in front of the upstream with the default test configuration changed by `configure`.
    @discardableResult
    func startSluice(_ configure: (inout SluiceConfig) -> Void = { _ in }) throws -> SluiceProcess {
        let process = try SluiceProcess(config: config(configure))
        sluice = process
        return process
    }

    /// A new connection to the running sluice.
    func connectToSluice(timeout: TimeInterval = 10) throws -> RawHTTPClient {
        guard let sluice else { throw RawHTTPClient.Failure.connect("sluice is not running") }
        return try sluice.connect(timeout: timeout)
    }

    /// Sends one request and fails the test if no response comes.
    func send(_ client: RawHTTPClient, _ method: String, _ target: String, headers: [(String, String)] = [],
              body: [UInt8] = [], file: StaticString = #filePath, line: UInt = #line) throws -> HTTPResponse {
        guard let response = try client.request(method, target, headers: headers, body: body) else {
            XCTFail("connection closed without a response to \(method) \(target)", file: file, line: line)
            throw RawHTTPClient.Failure.truncated("no response")
        }
        return response
    }

    /// Sends a request to `/echo…` through `client` and returns what the upstream received.
    func echo(_ client: RawHTTPClient, _ method: String = "GET", target: String = "/echo", headers: [(String, String)] = [],
              body: [UInt8] = [], file: StaticString = #filePath, line: UInt = #line) throws -> (HTTPResponse, EchoedRequest) {
        let response = try send(client, method, target, headers: headers, body: body, file: file, line: line)
        XCTAssertEqual(response.status, 200, response.text, file: file, line: line)
        guard let echoed = EchoedRequest(response) else {
            XCTFail("not an /echo answer: \(response.text)", file: file, line: line)
            throw RawHTTPClient.Failure.malformed("echo")
        }
        return (response, echoed)
    }

    /// Checks a canonical error envelope (SPEC §7): status, JSON content type, code, and the usual members.
    func assertEnvelope(_ response: HTTPResponse?, status: Int, code: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let response else { return XCTFail("no response, expected \(status) \(code)", file: file, line: line) }
        guard response.status == status else {
            return XCTFail("status \(response.status), expected \(status) \(code): \(response.text.prefix(300))", file: file, line: line)
        }
        XCTAssertEqual(response.header("content-type")?.lowercased(), "application/json; charset=utf-8", file: file, line: line)
        XCTAssertEqual(response.header("content-length").flatMap { Int($0) }, response.body.count, file: file, line: line)
        XCTAssertEqual(response.errorCode, code, response.text, file: file, line: line)
        let json = response.jsonObject
        XCTAssertEqual(json?["status"] as? String, "error", file: file, line: line)
        XCTAssertNotNil((json?["error"] as? [String: Any])?["message"] as? String, file: file, line: line)
        XCTAssertNotNil(json?["timestamp"] as? String, file: file, line: line)
        XCTAssertNotNil(json?["request_id"] as? String, file: file, line: line)
    }

    /// Whether `text` looks like a UUID (8-4-4-4-12 hex digits).
    func isUUID(_ text: String?) -> Bool {
        guard let text else { return false }
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    /// N bytes where byte i is i % 251, as `/bytes` serves them.
    static func patternBytes(_ count: Int) -> [UInt8] { (0..<count).map { UInt8($0 % 251) } }

    /// Deterministic pseudo-random bytes covering every byte value.
    static func binaryBytes(_ count: Int, seed: UInt64 = 0x9e37_79b9_7f4a_7c15) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }
}
