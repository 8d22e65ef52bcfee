import Foundation
import XCTest

/// Helpers for the error-normaliser integration tests (SPEC §7).
extension IntegrationTestCase {
    /// Starts sluice with normalisation on and no retries or circuit opening on the upstream's 5xx answers.
    @discardableResult
    func startNormalisingSluice(_ configure: (inout SluiceConfig) -> Void = { _ in }) throws -> SluiceProcess {
        try startSluice { config in
            config.upstream = ["retry_on: []", "circuit_breaker: { failures: 10000, open_for: 1s }"]
            configure(&config)
        }
    }

    static func errorTarget(_ status: Int, _ body: String, _ framing: String = "") -> String {
        "/status/\(status)?body=\(body)\(framing)"
    }

    /// `error` of an envelope.
    static func envelopeError(_ response: HTTPResponse) -> [String: Any]? { response.jsonObject?["error"] as? [String: Any] }

    /// Checks the envelope's headers and members that hold for every rewritten error; returns the `error` member.
    @discardableResult
    func assertRewrittenError(_ response: HTTPResponse, status: Int, code: String, context: String,
                         file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        assertEnvelope(response, status: status, code: code, file: file, line: line)
        XCTAssertNil(response.header("Content-Encoding"), "\(context): Content-Encoding on a rewritten body", file: file, line: line)
        XCTAssertNil(response.header("Transfer-Encoding"), "\(context): framed by Transfer-Encoding", file: file, line: line)
        XCTAssertNotNil(response.header("Content-Length"), "\(context): no Content-Length", file: file, line: line)
        let json = response.jsonObject ?? [:]
        XCTAssertEqual(Set(json.keys), ["error", "status", "timestamp", "request_id"], "\(context): \(response.text)", file: file, line: line)
        XCTAssertNotNil(response.header("X-Request-Id"), file: file, line: line)
        XCTAssertEqual(json["request_id"] as? String, response.header("X-Request-Id"), "\(context): request_id", file: file, line: line)
        XCTAssertTrue(Self.isRFC3339UTCTimestamp(json["timestamp"] as? String), "\(context): timestamp \(json["timestamp"] ?? "nil")",
                      file: file, line: line)
        return json["error"] as? [String: Any] ?? [:]
    }

    /// JSON values compared as Foundation objects.
    static func sameJSONText(_ value: Any?, _ expectedText: String) -> Bool {
        guard let value, let expected = try? JSONSerialization.jsonObject(with: Data(expectedText.utf8)),
              let actual = try? JSONSerialization.data(withJSONObject: value, options: .sortedKeys),
              let wanted = try? JSONSerialization.data(withJSONObject: expected, options: .sortedKeys) else { return false }
        return actual == wanted
    }

    /// The generic message sluice writes for `status` (the message of an empty upstream error body).
    func genericErrorMessage(_ client: RawHTTPClient, status: Int) throws -> String {
        let response = try send(client, "GET", Self.errorTarget(status, "empty"))
        return try XCTUnwrap(Self.envelopeError(response)?["message"] as? String, "no generic message for \(status): \(response.text)")
    }

    /// gzip-compresses `bytes` with the system's gzip (for a body that inflates past the cap).
    static func gzipCompressed(_ bytes: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-c", "-9"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let writer = Thread { input.fileHandleForWriting.write(Data(bytes)); try? input.fileHandleForWriting.close() }
        writer.start()
        let compressed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(compressed)
    }
}
