import Foundation
import Synchronization
import XCTest

/// Issue 5's bounded soak: thousands of requests over many keep-alive connections against two upstreams that
/// inject random faults. Every request gets exactly one well-formed response or a clean close, nothing hangs,
/// sluice stays up, and its memory stays flat after a warm-up.
final class SoakTests: IntegrationTestCase {
    /// What the clients saw.
    private struct Tally {
        var requests = 0
        var byStatus: [Int: Int] = [:]
        /// 503s with `Retry-After`: sluice's own "no healthy target" (open circuits), not an upstream's answer.
        var failedFast = 0
        /// A head arrived, then the connection closed before the announced body ended (a broken upstream stream).
        var truncated = 0
        /// The connection closed before any byte of the response.
        var closedBeforeHead = 0
        var hangs: [String] = []
        var wrong: [String] = []

        var responses: Int { byStatus.values.reduce(0, +) }
        var closes: Int { truncated + closedBeforeHead }

        mutating func merge(_ other: Tally) {
            requests += other.requests
            byStatus.merge(other.byStatus, uniquingKeysWith: +)
            failedFast += other.failedFast
            truncated += other.truncated
            closedBeforeHead += other.closedBeforeHead
            hangs += other.hangs
            wrong += other.wrong
        }
    }

    private static let bytesBody = patternBytes(20_000)
    private static let clientThreads = 20

    /// The request number `index` of the mix: method, target, body.
    private static func request(_ index: Int) -> (String, String, [UInt8]) {
        switch index % 10 {
        case 0, 1, 2, 3: ("GET", "/v1/ok/\(index)", [])
        case 4: ("POST", "/echo?i=\(index)", Array(#"{"order":\#(index)}"#.utf8))
        case 5: ("GET", "/status/503?i=\(index)", [])
        case 6: ("GET", "/fault/close-mid-body?i=\(index)", [])
        case 7: ("GET", "/slow?ms=5&i=\(index)", [])
        case 8: ("GET", "/bytes?n=20000&i=\(index)", [])
        default: ("GET", index % 20 == 9 ? "/fault/close-before-head?i=\(index)" : "/fault/close-before-head?rst=1&i=\(index)", [])
        }
    }

    /// Why a complete response is not the right one for request `index` (nil when it is). A 200 may also be the
    /// upstream's injected slow answer; an error must be a canonical envelope.
    private static func problem(with response: HTTPResponse, index: Int) -> String? {
        let (method, target, body) = request(index)
        if response.status >= 400 {
            let isEnvelope = response.errorCode != nil
                && response.header("content-type")?.lowercased() == "application/json; charset=utf-8"
            return isEnvelope ? nil : "\(method) \(target): \(response.status) is not an envelope: \(response.text.prefix(200))"
        }
        guard response.status == 200 else { return "\(method) \(target): status \(response.status)" }
        if response.jsonObject?["chaos"] as? String == "slow" { return nil }
        switch index % 10 {
        case 0, 1, 2, 3:
            return response.jsonObject?["path"] as? String == "/v1/ok/\(index)" ? nil : "\(target): wrong body \(response.text.prefix(200))"
        case 4:
            let echoed = EchoedRequest(response)
            return echoed?.target == target && echoed?.bodyLength == body.count ? nil : "\(target): wrong echo \(response.text.prefix(200))"
        case 7:
            return response.jsonObject?["slow_ms"] as? Int == 5 ? nil : "\(target): wrong body \(response.text.prefix(200))"
        case 8:
            return response.body == bytesBody ? nil : "\(target): \(response.body.count) wrong bytes"
        default:
            return "\(method) \(target): a fault endpoint answered 200 \(response.text.prefix(200))"
        }
    }

    /// One client thread: `count` requests of the mix starting at `first` (stride `step`) over keep-alive
    /// connections, reconnecting after every close.
    private static func runClient(port: UInt16, first: Int, step: Int, count: Int) -> Tally {
        var tally = Tally()
        var client: RawHTTPClient? = nil
        for n in 0..<count {
            let index = first + n * step
            let (method, target, body) = request(index)
            tally.requests += 1
            do {
                let connection = try client ?? RawHTTPClient(port: port, timeout: 15)
                client = connection
                connection.send(RawHTTPClient.requestBytes(method, target, body: body))
                guard let response = try connection.readResponse(method: method) else {
                    tally.closedBeforeHead += 1
                    client = nil
                    continue
                }
                tally.byStatus[response.status, default: 0] += 1
                if response.status == 503 && response.header("retry-after") != nil { tally.failedFast += 1 }
                if let problem = problem(with: response, index: index) { tally.wrong.append(problem) }
                if response.closesConnection { client = nil }
            } catch RawHTTPClient.Failure.truncated {
                tally.truncated += 1
                client = nil
            } catch RawHTTPClient.Failure.timeout(let unread) {
                tally.hangs.append("\(method) \(target): no complete answer in 15 s (\(unread) bytes)")
                client = nil
            } catch {
                tally.wrong.append("\(method) \(target): \(error)")
                client = nil
            }
        }
        return tally
    }

    /// Runs `perThread` requests on each of `clientThreads` threads and merges what they saw.
    private static func round(port: UInt16, firstIndex: Int, perThread: Int) -> Tally {
        let total = Mutex(Tally())
        let group = DispatchGroup()
        for thread in 0..<clientThreads {
            group.enter()
            let worker = Thread {
                let tally = runClient(port: port, first: firstIndex + thread, step: clientThreads, count: perThread)
                total.withLock { $0.merge(tally) }
                group.leave()
            }
            worker.start()
        }
        group.wait()
        return total.withLock { $0 }
    }

    func testRandomUpstreamFaultsGetOneAnswerOrACleanCloseEachAndMemoryStaysFlat() throws {
        let second = try UpstreamProcess(extraArguments: ["--idle-close-ms", "100"])  // stale pooled connections too
        let sluice = try startSluice {
            $0.targets = [self.upstream.address, second.address]
            $0.upstream = ["retries: 2", "retry_backoff: 5ms", "response_timeout: 2s",
                           #"circuit_breaker: { failures: 20, open_for: 100ms }"#]
        }
        try command(upstream, "/admin/chaos?percent=20")
        try command(second, "/admin/chaos?percent=20")
        let started = Date()
        let warmUp = Self.round(port: sluice.port, firstIndex: 0, perThread: 25)
        let rssAfterWarmUp = sluice.residentBytes() ?? 0
        let measured = Self.round(port: sluice.port, firstIndex: warmUp.requests, perThread: 500)
        let seconds = Date().timeIntervalSince(started)
        var all = warmUp
        all.merge(measured)

        XCTAssertTrue(sluice.child.process.isRunning, "sluice died under faults")
        try command(upstream, "/admin/chaos?percent=0")
        try command(second, "/admin/chaos?percent=0")
        try waitUntil("no request in flight") { (try admin("/stats").jsonObject?["requests"] as? [String: Any])?["in_flight"] as? Int == 0 }
        try waitUntil("a circuit out of open_for (100 ms): /readyz") { try admin("/readyz").status == 200 }
        let client = try connectToSluice()
        for i in 0..<4 { XCTAssertEqual(try send(client, "GET", "/v1/after-soak/\(i)").status, 200) }
        let rssAtEnd = sluice.residentBytes() ?? 0

        let statuses = all.byStatus.keys.sorted().map { "\($0): \(all.byStatus[$0]!)" }.joined(separator: ", ")
        print("""
            soak: \(all.requests) requests (\(warmUp.requests) warm-up + \(measured.requests)) on \(Self.clientThreads) \
            keep-alive clients in \(String(format: "%.1f", seconds)) s; responses \(all.responses) [\(statuses); 503 with Retry-After (open circuits) \(all.failedFast)]; \
            closes \(all.closes) (truncated mid-body \(all.truncated), before any byte \(all.closedBeforeHead)); \
            hangs \(all.hangs.count); wrong \(all.wrong.count); sluice RSS after warm-up \(rssAfterWarmUp / 1024) KiB, \
            at end \(rssAtEnd / 1024) KiB (\((rssAtEnd - rssAfterWarmUp) / 1024) KiB growth)
            """)
        XCTAssertGreaterThanOrEqual(measured.requests, 10_000)
        XCTAssertEqual(all.responses + all.closes, all.requests, "every request: one response or a clean close")
        XCTAssertEqual(all.hangs, [], "\(all.hangs.count) requests hung")
        XCTAssertEqual(Array(all.wrong.prefix(10)), [], "\(all.wrong.count) wrong answers")
        XCTAssertEqual(all.closedBeforeHead, 0, "a failure before the head must become a retry or an envelope, not a bare close")
        XCTAssertGreaterThan(all.truncated, 0, "mid-body breaks were injected: some responses must have been cut")
        XCTAssertGreaterThan(all.byStatus[200] ?? 0, all.requests / 3)
        XCTAssertLessThan(rssAtEnd - rssAfterWarmUp, 8 << 20, "RSS grew by \((rssAtEnd - rssAfterWarmUp) >> 10) KiB")
    }
}
