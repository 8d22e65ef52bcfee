import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `sluice check` loads the certificate and key of `server.tls` (SPEC §11): a missing file, a file with no PEM
/// in it, a key of another certificate — each reported at the line of the key naming the file, exit 2; sluice
/// refuses to start on them too.
final class TLSCheckTests: TLSIntegrationTestCase {
    private func check(certificate: String, key: String) throws -> (status: Int32, output: String, path: String) {
        let yaml = """
            server:
              listen: "127.0.0.1:0"
              tls:
                certificate: "\(certificate)"
                private_key: "\(key)"
            upstream:
              targets: ["127.0.0.1:1"]

            """
        let path = try SluiceProcess.writeTemporaryConfig(yaml)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, output) = try SluiceProcess.run(["check", "--config", path])
        return (status, output, path)
    }

    func testAGoodPairPasses() throws {
        for pair in [try certificates.leaf, try certificates.rsaLeaf] {
            let result = try check(certificate: pair.certificate, key: pair.key)
            XCTAssertEqual(result.status, 0, result.output)
        }
    }

    func testMissingFilesAreReportedAtTheirLines() throws {
        let result = try check(certificate: "/nonexistent/cert.pem", key: "/nonexistent/key.pem")
        XCTAssertEqual(result.status, 2, result.output)
        XCTAssertTrue(result.output.contains(#"\#(result.path):4: server.tls.certificate: cannot open "/nonexistent/cert.pem": No such file or directory"#),
                      result.output)
        XCTAssertTrue(result.output.contains(#"\#(result.path):5: server.tls.private_key: cannot open "/nonexistent/key.pem""#), result.output)
    }

    func testAFileWithoutPEMIsReported() throws {
        let junk = try certificates.write("junk.pem", "this is not a certificate\n")
        let result = try check(certificate: junk, key: try certificates.leaf.key)
        XCTAssertEqual(result.status, 2, result.output)
        XCTAssertTrue(result.output.contains("\(result.path):4: server.tls.certificate: \"\(junk)\" holds no usable PEM certificate"),
                      result.output)
        let badKey = try check(certificate: try certificates.leaf.certificate, key: junk)
        XCTAssertTrue(badKey.output.contains("\(badKey.path):5: server.tls.private_key: \"\(junk)\" holds no usable PEM private key"),
                      badKey.output)
    }

    func testAKeyOfAnotherCertificateIsReported() throws {
        for key in [try certificates.wrongName.key, try certificates.rsaLeaf.key] {
            let result = try check(certificate: try certificates.leaf.certificate, key: key)
            XCTAssertEqual(result.status, 2, result.output)
            XCTAssertTrue(result.output.contains("\(result.path):5: server.tls.private_key: \"\(key)\" does not match the certificate"),
                          result.output)
        }
    }

    func testSluiceRefusesToStartOnABadPair() throws {
        let config = config { $0.server.append(#"tls: { certificate: "/nonexistent/cert.pem", private_key: "/nonexistent/key.pem" }"#) }
        let path = try SluiceProcess.writeTemporaryConfig(config.yaml)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, output) = try SluiceProcess.run(["--config", path])
        XCTAssertEqual(status, 2, output)
        XCTAssertTrue(output.contains("server.tls.certificate: cannot open"), output)
    }
}

/// `sluice check` loads what `upstream.tls` names when a target is `https://`.
final class UpstreamTLSCheckTests: TLSIntegrationTestCase {
    func testMissingCAFileAndMismatchedClientKeyAreReportedAtTheirLines() throws {
        let yaml = """
            upstream:
              targets: ["https://127.0.0.1:1"]
              tls:
                ca_file: /nonexistent/ca.pem
                client_certificate: "\(try certificates.client.certificate)"
                client_key: "\(try certificates.leaf.key)"

            """
        let path = try SluiceProcess.writeTemporaryConfig(yaml)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, output) = try SluiceProcess.run(["check", "--config", path])
        XCTAssertEqual(status, 2, output)
        XCTAssertTrue(output.contains(#"\#(path):4: upstream.tls.ca_file: cannot open "/nonexistent/ca.pem""#), output)
        XCTAssertTrue(output.contains("\(path):6: upstream.tls.client_key: "), output)
        XCTAssertTrue(output.contains("does not match the certificate"), output)
    }
}
