import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `https://` targets (SPEC §11) against an HTTPS upstream started by the test: verification against `ca_file`
/// with the host name checked, each kind of failure a failed try (502 `UPSTREAM_UNAVAILABLE`, the reason
/// logged), `verify: false`, SNI and its override, mutual TLS, pooled connections, health checks over TLS.
final class TLSUpstreamTests: TLSIntegrationTestCase {
    private var https: HTTPSUpstream?

    override func tearDown() {
        https?.stop()
        https = nil
        super.tearDown()
    }

    /// Starts the HTTPS upstream with `pair`, then sluice (one worker, no retries) in front of it.
    @discardableResult
    private func startBehindHTTPS(_ pair: TestCertificates.Pair, host: String = "127.0.0.1", clientCA: String? = nil,
                                  tls: [String], _ configure: (inout SluiceConfig) -> Void = { _ in }) throws -> SluiceProcess {
        let upstream = try HTTPSUpstream(certificate: pair, requireClientCertificateFrom: clientCA)
        https = upstream
        return try startSluice {
            $0.targets = ["https://\(host):\(upstream.port)"]
            $0.server.append("workers: 1")
            $0.upstream += ["retries: 0", "tls: { \(tls.joined(separator: ", ")) }"]
            configure(&$0)
        }
    }

    private func caFile(_ pair: TestCertificates.Pair) -> String { #"ca_file: "\#(pair.certificate)""# }

    private func get(_ path: String = "/v1/thing") throws -> HTTPResponse? {
        try connectToSluice().request("GET", path, headers: [("Host", "api.example")])
    }

    func testAVerifiedTargetIsForwardedOverFewPooledConnections() throws {
        try startBehindHTTPS(try certificates.leaf, tls: [caFile(try certificates.ca)])
        let client = try connectToSluice()
        for i in 0..<30 {
            let response = try send(client, "GET", "/v1/item/\(i)")
            XCTAssertEqual(response.status, 200, response.text)
            XCTAssertEqual(response.jsonObject?["path"] as? String, "/v1/item/\(i)")
        }
        for _ in 0..<10 { XCTAssertEqual(try get()?.status, 200) }
        let connections = try XCTUnwrap(https?.stats()["connections"] as? Int)
        // One for curl's /stats, the rest sluice's: kept alive and reused.
        XCTAssertLessThanOrEqual(connections, 3, "40 requests took \(connections) upstream TLS connections")
    }

    func testANewConnectionResumesTheLastSessionToItsTarget() throws {
        // No idle connection is kept: every request opens a new one.
        try startBehindHTTPS(try certificates.leaf, tls: [caFile(try certificates.ca)]) { $0.upstream.append("keepalive: 0") }
        for _ in 0..<5 { XCTAssertEqual(try get()?.status, 200) }
        let stats = try XCTUnwrap(https?.stats())
        XCTAssertGreaterThanOrEqual(stats["connections"] as? Int ?? 0, 5, "\(stats)")
        XCTAssertGreaterThanOrEqual(stats["resumed"] as? Int ?? 0, 4, "later connections made full handshakes: \(stats)")
    }

    func testVerificationFailuresFailTheTryWithTheReasonLogged() throws {
        let certificates = try self.certificates
        let cases: [(TestCertificates.Pair, TestCertificates.Pair, String)] = [
            (certificates.leaf, certificates.otherCA, "unable to get local issuer certificate"),
            (certificates.wrongName, certificates.ca, "IP address mismatch"),
            (certificates.expired, certificates.ca, "certificate has expired"),
        ]
        for (pair, ca, reason) in cases {
            let sluice = try startBehindHTTPS(pair, tls: [caFile(ca)])
            assertEnvelope(try get(), status: 502, code: "UPSTREAM_UNAVAILABLE")
            // The log line is written before the answer, but read from sluice's stderr by another thread: wait for it.
            let logged = (try? sluice.waitForLogLines(containing: "upstream TLS handshake failed", moreThan: 0, timeout: 10)) ?? []
            XCTAssertTrue(logged.contains { $0.contains(reason) }, "no \"\(reason)\" in: \(logged) \(sluice.output)")
            sluice.stop()
            https?.stop()
        }
    }

    func testVerifyFalseAcceptsAnyCertificateWithAWarning() throws {
        let sluice = try startBehindHTTPS(try certificates.expired, tls: ["verify: false"])
        XCTAssertEqual(try get()?.status, 200)
        XCTAssertTrue(sluice.output.contains("upstream.tls.verify is false"), sluice.output)
    }

    func testTheTargetsHostIsSentAsSNIAndServerNameOverridesIt() throws {
        try startBehindHTTPS(try certificates.leaf, host: "localhost", tls: [caFile(try certificates.ca)])
        XCTAssertEqual(try get()?.status, 200)
        XCTAssertEqual(try https?.stats()["sni"] as? [String], ["localhost"])
        sluice?.stop()
        https?.stop()

        try startBehindHTTPS(try certificates.internalName, tls: [caFile(try certificates.ca), "server_name: api.internal"])
        XCTAssertEqual(try get()?.status, 200, "the certificate for api.internal was not accepted under server_name")
        XCTAssertEqual(try https?.stats()["sni"] as? [String], ["api.internal"])
    }

    func testMutualTLSOffersTheClientCertificate() throws {
        let certificates = try self.certificates
        try startBehindHTTPS(certificates.leaf, clientCA: certificates.ca.certificate, tls: [caFile(certificates.ca)])
        assertEnvelope(try get(), status: 502, code: "UPSTREAM_UNAVAILABLE")
        sluice?.stop()
        https?.stop()

        try startBehindHTTPS(certificates.leaf, clientCA: certificates.ca.certificate, tls: [
            caFile(certificates.ca), #"client_certificate: "\#(certificates.client.certificate)""#,
            #"client_key: "\#(certificates.client.key)""#,
        ])
        let response = try get()
        XCTAssertEqual(response?.status, 200, response?.text ?? "no response")
        XCTAssertEqual(response?.jsonObject?["client"] as? String, "sluice client")
    }

    func testHealthChecksRunOverTLS() throws {
        try startBehindHTTPS(try certificates.leaf, tls: [caFile(try certificates.ca)]) {
            $0.upstream.append(#"health_check: { path: "/health", interval: 100ms, timeout: 50ms }"#)
        }
        let deadline = Date().addingTimeInterval(20)
        var checks = 0
        while Date() < deadline {
            checks = try https?.stats()["health_checks"] as? Int ?? 0
            if checks >= 3 { break }
            usleep(100_000)
        }
        XCTAssertGreaterThanOrEqual(checks, 3, "health checks did not reach the HTTPS target")
        XCTAssertEqual(try get()?.status, 200)
    }
}
