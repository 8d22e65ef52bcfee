import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Regression tests for proxy bugs a code review found (repros in the review notes), each driven through the real
/// binary: a client reset must not pool a closed upstream connection, deep pipelines must not recurse, a client
/// that never reads must not grow memory, a streamed head goes out before its body, and an upstream that closes
/// after a complete answer is not reused.
final class ReviewRegressionTests: IntegrationTestCase {
    /// Client A asks for a slow answer, pipelines 40 KB of junk (so sluice stops reading it) and resets before the
    /// answer; writing the answer to A fails. Its upstream connection must be closed and forgotten, not pooled:
    /// otherwise a freed descriptor number, reused by client C's socket, receives client B's request.
    func testClientResetWhileItsAnswerIsWrittenDoesNotPoolTheClosedUpstreamConnection() throws {
        let sluice = try startSluice { $0.server.append("workers: 1") }
        let a = try sluice.connect()
        XCTAssertTrue(a.send(RawHTTPClient.requestBytes("GET", "/slow?ms=400") + [UInt8](repeating: 0x58, count: 40_000)))
        usleep(150_000)
        a.closeWithReset()
        usleep(600_000)  // the upstream answers at 400 ms; sluice's write to A fails

        let b = try sluice.connect(timeout: 5)
        let c = try sluice.connect(timeout: 5)
        usleep(100_000)  // both accepted before B's request is forwarded
        XCTAssertTrue(b.send(RawHTTPClient.requestBytes("GET", "/v1/own-path-of-b", headers: [("Authorization", "Bearer SECRET-OF-B")])))

        c.setReadTimeout(1)
        do {
            let leaked = try c.readSome(maximum: 65_536)
            XCTFail(leaked.isEmpty ? "client C was closed by sluice although it did nothing"
                                   : "client C received bytes it never asked for: \(String(decoding: leaked.prefix(200), as: UTF8.self))")
        } catch RawHTTPClient.Failure.timeout {
            // Nothing arrived within 1 s: as it should be.
        }

        let answer = try b.readResponse()
        XCTAssertEqual(answer?.status, 200, answer?.text ?? "B got no answer")
        XCTAssertEqual(answer?.jsonObject?["path"] as? String, "/v1/own-path-of-b", answer?.text ?? "")
        try assertServesANewConnection(sluice)
    }

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

    /// An upstream sends a chunked event-stream head and the first chunk 1.5 s later: the client must see the head
    /// at once, not together with the first body byte.
    func testHeadOfAStreamedResponseIsSentBeforeItsFirstBodyByte() throws {
        let origin = try HandScriptedUpstream { fd, path in
            guard path == "/events" else { return HandScriptedUpstream.answer(fd, "other") }
            guard HandScriptedUpstream.write(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n") else { return false }
            usleep(1_500_000)
            return HandScriptedUpstream.write(fd, "5\r\nhello\r\n0\r\n\r\n")
        }
        defer { origin.stop() }
        let sluice = try SluiceProcess(config: SluiceConfig(targets: [origin.address]))
        self.sluice = sluice
        let client = try sluice.connect()
        let started = Date()
        XCTAssertTrue(client.send(RawHTTPClient.requestBytes("GET", "/events")))
        guard let head = try client.readHead() else { return XCTFail("no response head") }
        let headSeconds = Date().timeIntervalSince(started)
        let body = try client.readBody(of: head)
        let bodySeconds = Date().timeIntervalSince(started)

        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("content-type"), "text/event-stream")
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "hello")
        XCTAssertLessThan(headSeconds, 1.0, "the head waited for the first chunk")
        XCTAssertGreaterThanOrEqual(bodySeconds, 1.4, "the body arrived before the upstream sent it?")
    }

    /// An upstream answers `Content-Length: 2` `ok` and closes (without `Connection: close`). The pipelined POST
    /// that follows must go to a fresh upstream connection and be answered normally, not 502.
    func testUpstreamThatClosesAfterACompleteAnswerIsNotReusedForThePipelinedPost() throws {
        let origin = try HandScriptedUpstream { fd, path in
            if path == "/answer-then-close" {
                HandScriptedUpstream.cork(fd)  // the answer and the FIN leave together
                _ = HandScriptedUpstream.write(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                return false
            }
            return HandScriptedUpstream.answer(fd, "fresh:\(path)")
        }
        defer { origin.stop() }
        let sluice = try SluiceProcess(config: SluiceConfig(targets: [origin.address]))
        self.sluice = sluice
        let client = try sluice.connect()
        XCTAssertTrue(client.send(RawHTTPClient.requestBytes("GET", "/answer-then-close")
            + RawHTTPClient.requestBytes("POST", "/after", body: Array("payload".utf8))))

        let first = try client.readResponse()
        XCTAssertEqual(first?.status, 200)
        XCTAssertEqual(first?.text, "ok")
        let second = try client.readResponse(method: "POST")
        XCTAssertEqual(second?.status, 200, second?.text ?? "no answer to the pipelined POST")
        XCTAssertEqual(second?.text, "fresh:/after")
        XCTAssertEqual(origin.connectionsAccepted, 2, "the POST should travel on a second upstream connection")
    }

    // MARK: Helpers

    /// A new connection gets a normal 200 for its own path: sluice is alive and serving.
    private func assertServesANewConnection(_ sluice: SluiceProcess, authorized: Bool = false,
                                            file: StaticString = #filePath, line: UInt = #line) throws {
        let client = try sluice.connect(timeout: 5)
        defer { client.close() }
        let headers = authorized ? [("Authorization", "Bearer regression-key")] : []
        let response = try client.request("GET", "/v1/still-alive", headers: headers)
        XCTAssertEqual(response?.status, 200, response?.text ?? "no answer on a new connection", file: file, line: line)
        XCTAssertEqual(response?.jsonObject?["path"] as? String, "/v1/still-alive", file: file, line: line)
    }

    /// Writes `bytes` to `fd` on a background thread (so the test can read answers while the peer reads requests);
    /// the semaphore is signalled when the thread is done.
    private func sendInBackground(_ bytes: [UInt8], on fd: Int32) -> DispatchSemaphore {
        let done = DispatchSemaphore(value: 0)
        Thread {
            defer { done.signal() }
            var sent = 0
            while sent < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }
                sent += n
            }
        }.start()
        return done
    }
}

private extension RawHTTPClient {
    /// Closes with SO_LINGER 0, so the peer sees a reset (RST) instead of a FIN.
    func closeWithReset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    func setReceiveBufferSize(_ bytes: Int32) {
        var size = bytes
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// A send blocked longer than `seconds` fails (so `send` returns false).
    func setSendTimeout(_ seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
}

/// A tiny upstream on an ephemeral port whose behaviour per request is a closure: `handle(fd, path)` writes the
/// answer itself (and may pause between writes) and returns whether to keep the connection for another request.
/// Request bodies framed by Content-Length are read and discarded.
private final class HandScriptedUpstream: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let accepted = NSLock()
    private var acceptedCount = 0

    init(handle: @escaping @Sendable (Int32, String) -> Bool) throws {
        let (listener, port) = try LoopbackSocket.bind(listenBacklog: 64)
        self.port = port
        self.listener = listener
        LoopbackSocket.acceptLoop(listener) { [self] connection in
            accepted.withLock { acceptedCount += 1 }
            Thread { HandScriptedUpstream.serve(connection, handle: handle) }.start()
        }
    }

    var address: String { "127.0.0.1:\(port)" }

    /// TCP connections accepted so far.
    var connectionsAccepted: Int { accepted.withLock { acceptedCount } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }

    /// Writes all of `text`; false if the peer is gone.
    @discardableResult
    static func write(_ fd: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// A keep-alive `200` with `body`; returns whether the write succeeded.
    static func answer(_ fd: Int32, _ body: String) -> Bool {
        write(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
    }

    /// Holds back partial segments until close, so the last bytes and the FIN share a segment.
    static func cork(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_CORK, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    private static func serve(_ fd: Int32, handle: @Sendable (Int32, String) -> Bool) {
        defer { Glibc.close(fd) }
        var buffer: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 16_384)
        func fill() -> Bool {
            let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return false }
            buffer += scratch[0..<n]
            return true
        }
        while true {
            guard let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) else {
                if fill() { continue } else { return }
            }
            let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
            buffer.removeSubrange(..<end.upperBound)
            let lines = head.split(separator: "\r\n")
            let words = lines.first?.split(separator: " ") ?? []
            let path = words.count > 1 ? String(words[1]) : "/"
            let length = lines.dropFirst().compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }.first ?? 0
            while buffer.count < length { guard fill() else { return } }
            buffer.removeSubrange(..<length)
            guard handle(fd, path) else { return }
        }
    }
}
