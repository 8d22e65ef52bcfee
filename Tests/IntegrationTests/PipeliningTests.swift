import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Pipelined requests are answered in order, however deep the pipeline, and a client that sends without reading
/// is held back (sluice stops reading it) instead of growing sluice's memory.
final class PipeliningTests: IntegrationTestCase {
    /// One slow authorized request, then 3,000 pipelined unauthorized requests that sluice answers by itself:
    /// when the slow answer completes, the queued requests must be answered one by one, not by recursion deep
    /// enough to overflow the stack.
    func testThousandsOfPipelinedSynchronouslyAnsweredRequestsAreAnsweredInOrder() throws {
        let sluice = try startSluice { $0.auth = ["require_api_key: true"] }
        let client = try sluice.connect(timeout: 15)
        let unauthorizedCount = 3_000
        let bytes = RawHTTPClient.requestBytes("GET", "/slow?ms=500", headers: [("Authorization", "Bearer regression-key")])
            + Array((0..<unauthorizedCount).map { "GET / HTTP/1.1\r\nHost: x\r\nX-Request-Id: pipelined-\($0)\r\n\r\n" }.joined().utf8)
        let sender = sendInBackground(bytes, on: client.fd)
        defer {
            shutdown(client.fd, Int32(SHUT_RDWR))  // a sender still blocked fails now, before the descriptor is closed
            _ = sender.wait(timeout: .now() + 10)
        }

        var statuses: [Int] = []
        var requestIDs: [String?] = []  // each answer names its request: the order is observable
        do {
            while statuses.count < unauthorizedCount + 1, let response = try client.readResponse() {
                statuses.append(response.status)
                requestIDs.append(response.header("X-Request-Id"))
            }
        } catch {
            XCTFail("reading answer \(statuses.count + 1): \(error)")
        }
        XCTAssertEqual(statuses.count, unauthorizedCount + 1, "answers before the connection ended")
        XCTAssertEqual(statuses.first, 200, "the slow authorized request comes first")
        XCTAssertEqual(statuses.dropFirst().filter { $0 == 401 }.count, unauthorizedCount, "one 401 per unauthorized request")
        let expected: [String?] = (0..<unauthorizedCount).map { "pipelined-\($0)" }
        let answered = Array(requestIDs.dropFirst())
        let firstOutOfOrder = answered.indices.first { answered[$0] != expected[$0] }
        XCTAssertNil(firstOutOfOrder, "the 401s came out of order (answer \(firstOutOfOrder ?? -1) names another request)")
        try assertServesANewConnection(sluice, authorized: true)
    }


    /// A client with a tiny receive buffer pipelines megabytes of tiny requests and never reads: sluice must stop
    /// reading from it once its unsent answers pile up, so its resident memory stays put; it keeps serving others,
    /// and the stalled client gets its answers once it reads.
    func testClientThatPipelinesAndNeverReadsDoesNotGrowSluiceMemory() throws {
        let sluice = try startSluice { $0.auth = ["require_api_key: true"]; $0.server.append("workers: 1") }
        try assertServesANewConnection(sluice, authorized: true)
        guard let before = sluice.residentBytes() else { return XCTFail("no RSS for sluice") }

        let client = try sluice.connect()
        client.setReceiveBufferSize(4_096)
        client.setSendTimeout(1)
        let chunk = Array(String(repeating: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", count: 1_000).utf8)
        let started = Date()
        var sent = 0, peak = before
        while sent < 5_000_000 && Date().timeIntervalSince(started) < 5 {
            let accepted = client.send(chunk)
            peak = max(peak, sluice.residentBytes() ?? 0)
            guard accepted else { break }  // the send timed out: sluice stopped reading, as it should
            sent += chunk.count
        }
        peak = max(peak, sluice.residentBytes() ?? 0)
        XCTAssertLessThan(peak - before, 20_000_000,
                          "RSS grew from \(before) to \(peak) bytes while a client sent \(sent) bytes and read none")
        try assertServesANewConnection(sluice, authorized: true)
        // Held back, not dropped: once the client reads, its answers come, in order.
        for index in 0..<100 {
            guard let answer = try client.readResponse() else { return XCTFail("the stalled client's connection ended before answer \(index + 1)") }
            XCTAssertEqual(answer.status, 401, "answer \(index + 1): \(answer.text.prefix(200))")
        }
        client.close()
    }

}
