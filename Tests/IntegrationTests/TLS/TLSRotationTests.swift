import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Certificate rotation on SIGHUP (SPEC §11): new handshakes get the new pair, an open connection keeps
/// working, a pair that does not load keeps the running one.
final class TLSRotationTests: TLSIntegrationTestCase {
    private func fingerprint(_ pair: TestCertificates.Pair) throws -> String {
        let result = try ExternalTool.run("openssl", ["x509", "-in", pair.certificate, "-noout", "-fingerprint", "-sha256"])
        return String(result.stdout.split(separator: "=").last ?? "").replacingOccurrences(of: ":", with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    private func install(_ pair: TestCertificates.Pair, as live: TestCertificates.Pair) throws {
        for (from, to) in [(pair.certificate, live.certificate), (pair.key, live.key)] {
            try? FileManager.default.removeItem(atPath: to)
            try FileManager.default.copyItem(atPath: from, toPath: to)
        }
    }

    func testSIGHUPRotatesTheCertificateForNewHandshakesOnly() throws {
        let certificates = try self.certificates
        let live = TestCertificates.Pair(certificate: "\(certificates.directory)/live-\(UUID().uuidString).pem",
                                         key: "\(certificates.directory)/live-\(UUID().uuidString).key")
        try install(certificates.leaf, as: live)
        let sluice = try startTLSSluice(live)
        let configuration = config { $0.server.append(self.listenerTLS(live)) }.yaml
        XCTAssertEqual(try PythonTLSClient.certificateFingerprint(port: sluice.port), try fingerprint(certificates.leaf))

        let goFile = "\(certificates.directory)/go-\(UUID().uuidString)"
        let held = try PythonTLSClient.holdConnection(port: sluice.port, caFile: certificates.ca.certificate, goFile: goFile)
        let first = try held.waitForLine(onStdout: true, timeout: 20) { $0.contains("first") }
        XCTAssertTrue(first.contains("HTTP/1.1 200"), first)

        try install(certificates.rsaLeaf, as: live)
        try sluice.reload(with: configuration)
        XCTAssertEqual(try PythonTLSClient.certificateFingerprint(port: sluice.port), try fingerprint(certificates.rsaLeaf),
                       "a new handshake after SIGHUP did not get the new certificate")

        FileManager.default.createFile(atPath: goFile, contents: Data())
        let second = try held.waitForLine(onStdout: true, timeout: 20) { $0.contains("second") }
        XCTAssertTrue(second.contains("HTTP/1.1 200"), "the connection open across the rotation broke: \(second) \(held.allOutput)")
        XCTAssertTrue(first.contains(try fingerprint(certificates.leaf)), "the held connection had the new certificate")

        // A key that does not match: the reload is refused and the running pair stays.
        try FileManager.default.removeItem(atPath: live.key)
        try FileManager.default.copyItem(atPath: certificates.wrongName.key, toPath: live.key)
        let refused = try sluice.reload(with: configuration, expecting: "reload rejected")
        XCTAssertTrue(refused.joined().contains("server.tls.private_key"), refused.joined(separator: "\n"))
        XCTAssertEqual(try PythonTLSClient.certificateFingerprint(port: sluice.port), try fingerprint(certificates.rsaLeaf))
        XCTAssertEqual(try curl(["/echo"], host: "127.0.0.1").status, 0)
    }
}
