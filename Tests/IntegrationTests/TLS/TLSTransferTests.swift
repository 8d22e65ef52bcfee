import Foundation
import OpenSSLBinding
import XCTest

/// Bodies larger than TLS records and socket buffers cross the TLS listener intact both ways, and a slow TLS
/// reader still gets all of a streamed response (records written partly, retried on the writable edge).
final class TLSTransferTests: TLSIntegrationTestCase {
    func testLargeBodiesCrossTheTLSListenerBothWays() throws {
        try startTLSSluice { $0.server.append("max_body_bytes: 8MiB") }
        let certificates = try self.certificates
        let download = "\(certificates.directory)/download-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: download) }
        let size = 6 * 1024 * 1024 + 123
        let got = try curl(["/bytes?n=\(size)"], ["-o", download])
        XCTAssertEqual(got.status, 0, got.stderr)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: download)))
        XCTAssertEqual(bytes.count, size)
        XCTAssertTrue(bytes == IntegrationTestCase.patternBytes(size), "the downloaded body differs")

        let upload = IntegrationTestCase.binaryBytes(3 * 1024 * 1024 + 7)
        let uploadPath = try certificates.write("upload-\(UUID().uuidString)", "")
        defer { try? FileManager.default.removeItem(atPath: uploadPath) }
        try Data(upload).write(to: URL(fileURLWithPath: uploadPath))
        let sent = try curl(["/echo"], ["--data-binary", "@\(uploadPath)", "-H", "Content-Type: application/octet-stream"])
        XCTAssertEqual(sent.status, 0, sent.stderr)
        let echoed = try JSONSerialization.jsonObject(with: Data(sent.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(echoed?["body_length"] as? Int, upload.count)
        XCTAssertEqual(echoed?["body_sha256"] as? String, SHA256Digest(hashing: upload).hex)
    }

    func testASlowTLSReaderGetsTheWholeStreamedResponse() throws {
        try startTLSSluice()
        let download = "\(try certificates.directory)/slow-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: download) }
        let size = 1024 * 1024
        let got = try curl(["/bytes?n=\(size)"], ["-o", download, "--limit-rate", "512k"])
        XCTAssertEqual(got.status, 0, got.stderr)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: download)))
        XCTAssertTrue(bytes == IntegrationTestCase.patternBytes(size), "the slowly read body differs (\(bytes.count) bytes)")
    }
}
