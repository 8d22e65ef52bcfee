import APIKeys
import Foundation
import XCTest

/// `KeyRegistry.load(path:planNames:)`: the file is streamed, lines may straddle reads, an unreadable file is a problem.
final class KeyRegistryLoadTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    func testALongLoadReportsItsProgressEveryIntervalOfLines() throws {
        let interval = KeyRegistry.progressInterval
        let text = String(repeating: "#\n", count: 2 * interval) + #"{"id": "last", "sha256": "\#(sha("last"))"}"#
        let path = directory.appendingPathComponent("long.jsonl").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var heard: [(Int, Int)] = []
        let table = try KeyRegistry.load(path: path, planNames: []) { heard.append(($0, $1)) }.get()
        XCTAssertEqual(table.keyCount, 1)
        XCTAssertEqual(heard.map(\.0), [interval, 2 * interval])
        XCTAssertTrue(heard.allSatisfy { $0.1 >= 2 * interval + 1 }, "\(heard)")
    }

    func testAFileLargerThanOneReadLoadsEveryLineWithItsNumber() throws {
        // ~3.5 MiB: lines straddle the 1 MiB reads; the last line has no newline and carries a problem.
        var lines: [String] = []
        for index in 0..<30_000 {
            lines.append(#"{"id": "consumer-\#(index % 7_000)", "sha256": "\#(sha("key-\(index)"))", "plan": "pro"}"#)
        }
        lines.append(#"{"id": "late", "sha256": "\#(sha("late"))", "plan": "gold"}"#)
        let path = directory.appendingPathComponent("keys.jsonl").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        switch KeyRegistry.load(path: path, planNames: ["pro"]) {
        case .success: XCTFail("the bad last line was not seen")
        case .failure(let error):
            XCTAssertEqual(error.problems.map(\.line), [30_001], "\(error)")
            XCTAssertTrue(error.description.hasPrefix("\(path):30001: plan \"gold\""), "\(error)")
        }
        try lines.dropLast().joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        let table = try KeyRegistry.load(path: path, planNames: ["pro"]).get()
        XCTAssertEqual(table.keyCount, 30_000)
        XCTAssertEqual(table.consumerCount, 7_000)
        let rules = AccessRules()
        for index in [0, 12_345, 29_999] {
            guard case .accepted(let consumer) = table.verdict(token: "key-\(index)", method: "GET", target: "/", now: 0, rules: rules)
            else { return XCTFail("key-\(index) not found") }
            XCTAssertEqual(table.consumer(consumer).id, "consumer-\(index % 7_000)")
        }
    }

    func testAMissingFileIsOneProblemWithoutALine() {
        let path = directory.appendingPathComponent("absent.jsonl").path
        guard case .failure(let error) = KeyRegistry.load(path: path, planNames: []) else { return XCTFail("loaded") }
        XCTAssertEqual(error.description, "\(path): cannot read the keys file: No such file or directory")
    }
}
