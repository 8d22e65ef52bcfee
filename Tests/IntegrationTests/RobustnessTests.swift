import Foundation
import Synchronization
import XCTest

/// SPEC §9: under a mix of good and bad clients every request gets one well-formed answer or a clean close,
/// and sluice keeps running with flat memory.
final class RobustnessTests: IntegrationTestCase {
    private enum Kind: CaseIterable {
        case valid, smuggling, garbage, abandonedHead, abandonedBody
    }

    private static func exercise(_ kind: Kind, index: Int, port: UInt16) -> String? {
        do {
            let client = try RawHTTPClient(port: port, timeout: 10)
            defer { client.close() }
            switch kind {
            case .valid:
                guard let response = try client.request("POST", "/echo?i=\(index)", body: Array("payload \(index)".utf8)) else {
                    return "valid request \(index) got no response"
                }
                return response.status == 200 && EchoedRequest(response)?.target == "/echo?i=\(index)"
                    ? nil : "valid request \(index) got \(response.status)"
            case .smuggling:
                client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /v1/smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
                guard let response = try client.readResponse() else { return nil }
                return response.status == 400 ? nil : "smuggling attempt \(index) got \(response.status)"
            case .garbage:
                client.send(Self.binaryBytes(512, seed: UInt64(index + 1)) + Array("\r\n\r\n".utf8))
                guard let response = try client.readResponse() else { return nil }
                return response.status == 400 ? nil : "garbage \(index) got \(response.status)"
            case .abandonedHead:
                client.send("GET /v1/abandoned HTTP/1.1\r\nHost: x\r\nX-Partial: ")
                return nil
            case .abandonedBody:
                client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly a little")
                return nil
            }
        } catch {
            return "\(kind) \(index): \(error)"
        }
    }

    func testMixedGoodAndBadClientsGetOneAnswerEachAndSluiceStaysUp() throws {
        let sluice = try startSluice()
        let port = sluice.port
        let kinds = Kind.allCases
        // Warm-up, then the measured round.
        let warmUp = 50, measured = 600
        for i in 0..<warmUp { XCTAssertNil(Self.exercise(kinds[i % kinds.count], index: i, port: port)) }
        let rssAfterWarmUp = sluice.residentBytes() ?? 0
        let problems = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for i in stride(from: worker, to: measured, by: 4) {
                if let problem = Self.exercise(kinds[i % kinds.count], index: i, port: port) {
                    problems.withLock { $0.append(problem) }
                }
            }
        }
        let found = problems.withLock { $0 }
        XCTAssertEqual(found, [], "\(found.count) wrong answers")
        XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/still-up").status, 200)
        let rssAtEnd = sluice.residentBytes() ?? 0
        print("sluice RSS after warm-up \(rssAfterWarmUp / 1024) KiB, after \(measured) mixed clients \(rssAtEnd / 1024) KiB")
        XCTAssertLessThan(rssAtEnd - rssAfterWarmUp, 16 << 20, "RSS grew by \((rssAtEnd - rssAfterWarmUp) >> 20) MiB")
        let validRequests = (warmUp + measured) / kinds.count + 1  // every fifth client, and /v1/still-up
        XCTAssertEqual(try upstream.hits(), validRequests, "the upstream saw requests other than the valid ones")
    }
}
