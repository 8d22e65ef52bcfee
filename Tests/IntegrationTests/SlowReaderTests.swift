import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A client that reads a large response slowly but steadily keeps its connection: `client_timeout` never cuts a
/// transfer that progresses (SPEC §4; issue 10 item 5).
final class SlowReaderTests: IntegrationTestCase {
    func testEightMebibytesReadAt600KBPerSecondArriveWholeUnderATwoSecondClientTimeout() throws {
        try startSluice { $0.server = ["client_timeout: 2s"] }
        let size = 8 << 20
        let client = try connectToSluice(timeout: 30)
        client.send(RawHTTPClient.requestBytes("GET", "/bytes?n=\(size)"))
        guard let head = try client.readHead() else { return XCTFail("closed before the response head") }
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("content-length"), "\(size)")
        // ~600 KB/s: the read pace is the point of this test (real time); a transfer takes about 14 s.
        let started = Date()
        var received = 0
        var firstWrongByte: Int? = nil
        do {
            while received < size {
                let piece = try client.readSome(maximum: min(30_000, size - received))
                if piece.isEmpty { break }
                for (offset, byte) in piece.enumerated() where firstWrongByte == nil && byte != UInt8((received + offset) % 251) {
                    firstWrongByte = received + offset
                }
                received += piece.count
                let ahead = Double(received) / 600_000 - Date().timeIntervalSince(started)
                if ahead > 0 { usleep(UInt32(ahead * 1_000_000)) }
            }
        } catch {
            XCTFail("the transfer broke after \(received) bytes and \(Date().timeIntervalSince(started)) s: \(error)")
        }
        XCTAssertEqual(received, size, "the slow reader was cut off after \(Date().timeIntervalSince(started)) s")
        XCTAssertNil(firstWrongByte, "byte \(firstWrongByte ?? 0) differs from what the upstream sent")
    }
}
