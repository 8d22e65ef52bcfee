import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// SPEC §11 on the public listener, with real TLS clients (curl, Python's `ssl`): both versions with ALPN
/// http/1.1, keep-alive, the minimum version, resumption, `X-Forwarded-Proto: https`, and what is not TLS.
final class TLSListenerTests: TLSIntegrationTestCase {
    func testCurlSpeaksTLS13AndTLS12WithALPNAndKeepsTheConnection() throws {
        try startTLSSluice()
        for (version, flags) in [("TLSv1.3", ["--tlsv1.3"]), ("TLSv1.2", ["--tlsv1.2", "--tls-max", "1.2"])] {
            let result = try curl(["/echo", "/echo?second"], flags)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stderr.contains("SSL connection using \(version)"), result.stderr)
            XCTAssertTrue(result.stderr.contains("ALPN: server accepted http/1.1"), result.stderr)
            XCTAssertTrue(result.stderr.contains("Re-using existing connection"), "no keep-alive over TLS: \(result.stderr)")
            XCTAssertEqual(result.stdout.components(separatedBy: #"["X-Forwarded-Proto","https"]"#).count, 3, result.stdout)
        }
    }

    func testAnRSACertificateServesToo() throws {
        try startTLSSluice(try certificates.rsaLeaf)
        let result = try curl(["/echo"], ["--tlsv1.2", "--tls-max", "1.2"], host: "127.0.0.1")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("ECDHE-RSA"), result.stderr)
    }

    func testMinimumVersion13RefusesATLS12Handshake() throws {
        try startTLSSluice(minVersion: "1.3")
        let ca = try certificates.ca.certificate
        let old = try PythonTLSClient.handshake(port: sluice!.port, caFile: ca, version: "1.2")
        XCTAssertEqual(old["ok"] as? Bool, false, "\(old)")
        let current = try PythonTLSClient.handshake(port: sluice!.port, caFile: ca, version: "1.3")
        XCTAssertEqual(current["version"] as? String, "TLSv1.3", "\(current)")
        XCTAssertEqual(current["alpn"] as? String, "http/1.1", "\(current)")
        XCTAssertEqual(current["status"] as? String, "HTTP/1.1 200", "\(current)")
    }

    func testASecondConnectionResumesTheSessionWithBothVersions() throws {
        try startTLSSluice()
        for version in ["1.2", "1.3"] {
            let result = try PythonTLSClient.resumption(port: sluice!.port, caFile: try certificates.ca.certificate, version: version)
            XCTAssertEqual(result["reused"] as? Bool, true, "TLS \(version): \(result)")
            XCTAssertEqual(result["status"] as? String, "HTTP/1.1 200", "\(result)")
        }
    }

    func testPlainHTTPOnTheTLSPortGetsA400InPlainText() throws {
        try startTLSSluice()
        let client = try connectToSluice()
        let response = try client.request("GET", "/v1/users", headers: [("Host", "localhost")])
        assertEnvelope(response, status: 400, code: "BAD_REQUEST")
        XCTAssertEqual((response?.jsonObject?["error"] as? [String: Any])?["message"] as? String,
                       "plain HTTP request sent to the TLS port")
        XCTAssertEqual(response?.header("connection")?.lowercased(), "close")
        XCTAssertTrue(client.waitForClose(timeout: 10))
        XCTAssertEqual(try upstream.hits(), 0, "a plain request on the TLS port was forwarded")
    }

    func testGarbageAndStalledOrTruncatedHandshakesAreClosed() throws {
        try startTLSSluice(handshakeTimeout: "1s")
        let garbage = try sendRaw([0x00, 0xff, 0x13, 0x37] + Array("not tls at all".utf8), closedWithin: 10)
        XCTAssertTrue(garbage.closed, "garbage kept the connection open")
        XCTAssertTrue(garbage.received.isEmpty, "garbage was answered: \(garbage.received)")

        let started = Date()
        let stalled = try sendRaw([], closedWithin: 15)
        XCTAssertTrue(stalled.closed, "a connection that never starts a handshake stays open")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.9, "closed before handshake_timeout")

        // A ClientHello record header announcing 512 bytes, then only a few of them.
        let truncated = try sendRaw([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03], closedWithin: 15)
        XCTAssertTrue(truncated.closed, "a truncated ClientHello stays open past handshake_timeout")

        // sluice still serves.
        XCTAssertEqual(try curl(["/echo"]).status, 0)
    }
}
