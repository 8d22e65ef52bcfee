import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Helpers of the connection tests: a liveness probe and a background sender.
extension IntegrationTestCase {
    /// A new connection gets a normal 200 for its own path: sluice is alive and serving.
    func assertServesANewConnection(_ sluice: SluiceProcess, authorized: Bool = false,
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
    func sendInBackground(_ bytes: [UInt8], on fd: Int32) -> DispatchSemaphore {
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
