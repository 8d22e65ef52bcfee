import Foundation
import XCTest
@testable import Stats

final class AccessLogTests: XCTestCase {
    private static let fields: Set<String> = [
        "time", "request_id", "client", "method", "path", "status", "upstream", "upstream_status", "tries",
        "duration_ms", "bytes_in", "bytes_out", "key_hash", "consumer", "rate_limit", "shape",
    ]
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-accesslog-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private static func entry(_ number: Int, path: String = "/v1/items?page=2") -> AccessLogEntry {
        AccessLogEntry(timeMillis: 1_700_000_000_123 + Int64(number), requestID: "req-\(number)",
                       client: "127.0.0.1:5\(number % 10)000", method: "GET", path: path, status: 200,
                       upstream: number % 2 == 0 ? "127.0.0.1:3000" : nil, upstreamStatus: number % 2 == 0 ? 200 : nil,
                       tries: number % 2 == 0 ? 1 : 0, durationMicros: 1_234, bytesIn: 80, bytesOut: 512,
                       keyHash: number % 3 == 0 ? "9f86d081884c7d65" : nil,
                       rateLimit: number % 2 == 0 ? .allowed : .limited, shape: number % 5 == 0 ? "nestjs" : nil)
    }

    private func lines(at url: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.isEmpty || text.hasSuffix("\n"))
        return try text.split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
        }
    }

    func testEveryLineIsAJSONObjectWithAllFields() throws {
        let url = directory.appendingPathComponent("access.log")
        let writer = try AccessLogWriter(destination: .file(path: url.path))
        for number in 0..<100 { writer.write(Self.entry(number)) }
        writer.close()
        let objects = try lines(at: url)
        XCTAssertEqual(objects.count, 100)
        for object in objects { XCTAssertEqual(Set(object.keys), Self.fields) }
        let even = objects[10], odd = objects[11]
        XCTAssertEqual(even["time"] as? String, "2023-11-14T22:13:20.133Z")
        XCTAssertEqual(even["request_id"] as? String, "req-10")
        XCTAssertEqual(even["client"] as? String, "127.0.0.1:50000")
        XCTAssertEqual(even["method"] as? String, "GET")
        XCTAssertEqual(even["path"] as? String, "/v1/items?page=2")
        XCTAssertEqual((even["status"] as? NSNumber)?.intValue, 200)
        XCTAssertEqual(even["upstream"] as? String, "127.0.0.1:3000")
        XCTAssertEqual((even["upstream_status"] as? NSNumber)?.intValue, 200)
        XCTAssertEqual((even["tries"] as? NSNumber)?.intValue, 1)
        XCTAssertEqual((even["duration_ms"] as? NSNumber)?.doubleValue, 1.234)
        XCTAssertEqual((even["bytes_in"] as? NSNumber)?.intValue, 80)
        XCTAssertEqual((even["bytes_out"] as? NSNumber)?.intValue, 512)
        XCTAssertTrue(even["key_hash"] is NSNull)
        XCTAssertEqual(even["rate_limit"] as? String, "allowed")
        XCTAssertEqual(even["shape"] as? String, "nestjs")
        XCTAssertTrue(odd["upstream"] is NSNull)
        XCTAssertTrue(odd["upstream_status"] is NSNull)
        XCTAssertTrue(odd["shape"] is NSNull)
        XCTAssertEqual(odd["rate_limit"] as? String, "limited")
        XCTAssertEqual(objects[12]["key_hash"] as? String, "9f86d081884c7d65")
        XCTAssertEqual(writer.counters, AccessLogWriter.Counters())
    }

    func testHostileStringsAreEscapedAndInvalidUTF8IsReplaced() throws {
        let controls = String(decoding: (0..<32).map { UInt8($0) }, as: UTF8.self)
        let invalid = String(decoding: [0x2F, 0xFF, 0xC3, 0x28, 0xED, 0xA0, 0x80, 0x2F], as: UTF8.self)
        let hostile = [
            "/a\"b\\c", controls, invalid, "/\u{2028}\u{2029}\u{7F}/😀/é", "\"}\n{\"injected\":true",
        ]
        let line = Self.entry(0, path: hostile.joined(separator: "|")).jsonLine()
        XCTAssertEqual(line.last, UInt8(ascii: "\n"))
        XCTAssertEqual(line.filter { $0 < 0x20 }, [UInt8(ascii: "\n")], "no raw control byte before the newline")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.dropLast())) as? [String: Any])
        XCTAssertEqual(object["path"] as? String, hostile.joined(separator: "|"))
        XCTAssertTrue(invalid.contains("\u{FFFD}"))
        XCTAssertNil(object["injected"])
    }

    func testReopenAfterRenameWritesToTheNewFile() throws {
        let url = directory.appendingPathComponent("access.log")
        let rotated = directory.appendingPathComponent("access.log.1")
        let writer = try AccessLogWriter(destination: .file(path: url.path))
        for number in 0..<3 { writer.write(Self.entry(number)) }
        try FileManager.default.moveItem(at: url, to: rotated)
        writer.reopen()
        for number in 3..<5 { writer.write(Self.entry(number)) }
        writer.close()
        XCTAssertEqual(try lines(at: rotated).map { $0["request_id"] as? String }, ["req-0", "req-1", "req-2"])
        XCTAssertEqual(try lines(at: url).map { $0["request_id"] as? String }, ["req-3", "req-4"])
        XCTAssertEqual(writer.counters.reopenFailures, 0)
    }

    func testCloseFlushesEverythingWithoutWaitingForTheInterval() throws {
        let url = directory.appendingPathComponent("access.log")
        var options = AccessLogWriter.Options()
        options.flushIntervalMillis = 600_000
        let writer = try AccessLogWriter(destination: .file(path: url.path), options: options)
        for number in 0..<10 { writer.write(Self.entry(number)) }
        let started = Date()
        writer.close()
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertEqual(try lines(at: url).count, 10)
        writer.close()  // a second close is harmless
    }

    func testThresholdWakesTheFlusherBeforeTheInterval() throws {
        let url = directory.appendingPathComponent("access.log")
        var options = AccessLogWriter.Options()
        options.flushIntervalMillis = 600_000
        options.flushThresholdBytes = 1024
        let writer = try AccessLogWriter(destination: .file(path: url.path), options: options)
        defer { writer.close() }
        for number in 0..<20 { writer.write(Self.entry(number)) }  // about 6 KiB
        let deadline = Date().addingTimeInterval(10)
        var size = 0
        while size == 0 && Date() < deadline {
            size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            usleep(1000)  // waiting for the flusher thread's write, not passing time
        }
        XCTAssertGreaterThan(size, 0, "lines over the threshold are written without waiting for the interval")
    }

    func testStuckDestinationDropsLinesInsteadOfBlockingAndAccountsForEveryLine() throws {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        var options = AccessLogWriter.Options()
        options.flushThresholdBytes = 1024
        options.bufferCapBytes = 16 * 1024
        options.closeTimeoutMillis = 200
        let writer = try AccessLogWriter(destination: .fileDescriptor(fds[1]), options: options)
        let total = 5_000  // about 1.5 MB into a 64 KiB pipe nobody reads
        let started = Date()
        for number in 0..<total { writer.write(Self.entry(number)) }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "writers never wait for the destination")

        // Wait until the flusher has filled the pipe and is stuck in a write it began before close().
        var writable = pollfd(fd: fds[1], events: Int16(POLLOUT), revents: 0)
        let deadline = Date().addingTimeInterval(10)
        while poll(&writable, 1, 0) != 0 && Date() < deadline {
            usleep(1000)  // waiting for the flusher thread, not passing time
        }
        XCTAssertEqual(poll(&writable, 1, 0), 0, "the pipe is full")
        let closing = Date()
        writer.close()
        XCTAssertLessThan(Date().timeIntervalSince(closing), 5, "close gives up a stuck destination")
        let dropped = writer.counters.droppedLines
        XCTAssertGreaterThan(dropped, 0)

        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(fds[0], &chunk, chunk.count)
            if count <= 0 { break }
            received += chunk[..<count]
        }
        let delivered = received.filter { $0 == UInt8(ascii: "\n") }.count
        XCTAssertGreaterThan(delivered, 0)
        XCTAssertEqual(UInt64(delivered) + dropped, UInt64(total), "every line is either delivered or counted")
    }

    func testLinesWrittenAfterCloseAreDroppedAndCounted() throws {
        let url = directory.appendingPathComponent("access.log")
        let writer = try AccessLogWriter(destination: .file(path: url.path))
        writer.close()
        writer.write(Self.entry(1))
        XCTAssertEqual(writer.counters.droppedLines, 1)
        XCTAssertEqual(try lines(at: url).count, 0)
    }

    func testConcurrentWritersProduceWholeLines() throws {
        let url = directory.appendingPathComponent("access.log")
        var options = AccessLogWriter.Options()
        options.flushThresholdBytes = 4096
        let writer = try AccessLogWriter(destination: .file(path: url.path), options: options)
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for number in 0..<500 { writer.write(Self.entry(thread * 1000 + number)) }
        }
        writer.close()
        let ids = try lines(at: url).compactMap { $0["request_id"] as? String }
        XCTAssertEqual(ids.count, 2000)
        XCTAssertEqual(Set(ids).count, 2000)
    }

    func testOpeningAFileInAMissingDirectoryThrows() {
        let path = directory.appendingPathComponent("missing/access.log").path
        XCTAssertThrowsError(try AccessLogWriter(destination: .file(path: path))) { error in
            XCTAssertTrue("\(error)".contains(path))
        }
    }
}
