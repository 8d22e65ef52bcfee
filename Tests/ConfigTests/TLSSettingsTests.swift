import Config
import XCTest

/// `server.tls` (SPEC §3, §11): absent is plain HTTP; a mapping needs both files; version and timeout checked.
final class TLSSettingsTests: XCTestCase {
    private let targets = "upstream: { targets: [\"127.0.0.1:3000\"] }\n"

    private func problems(_ yaml: String) -> [String] {
        do {
            _ = try SluiceConfig.parse(yaml: targets + yaml, file: "sluice.yaml")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    func testAbsentOrNullTLSServesPlainHTTP() throws {
        XCTAssertNil(try SluiceConfig.parse(yaml: targets, file: "sluice.yaml").server.tls)
        XCTAssertNil(try SluiceConfig.parse(yaml: targets + "server:\n  tls: ~\n", file: "sluice.yaml").server.tls)
    }

    func testTLSIsReadWithDefaultsAndTheFilesLinesAreKept() throws {
        let yaml = targets + """
        server:
          tls:
            certificate: /etc/sluice/cert.pem
            private_key: "/etc/sluice/key.pem"
        """
        let config = try SluiceConfig.parse(yaml: yaml, file: "sluice.yaml")
        XCTAssertEqual(config.server.tls, ListenerTLSConfig(certificate: "/etc/sluice/cert.pem", privateKey: "/etc/sluice/key.pem",
                                                            minVersion: .tls12, handshakeTimeout: .seconds(10)))
        XCTAssertEqual(config.fileKeyLines["server.tls.certificate"], 4)
        XCTAssertEqual(config.fileKeyLines["server.tls.private_key"], 5)
    }

    func testVersionAndTimeoutAreRead() throws {
        let yaml = targets + "server:\n  tls: { certificate: c.pem, private_key: k.pem, min_version: 1.3, handshake_timeout: 250ms }\n"
        let tls = try SluiceConfig.parse(yaml: yaml, file: "sluice.yaml").server.tls
        XCTAssertEqual(tls?.minVersion, .tls13)
        XCTAssertEqual(tls?.handshakeTimeout, .milliseconds(250))
    }

    func testMissingFilesBadVersionsAndUnknownKeysAreReportedAtTheirLines() {
        let found = problems("""
        server:
          tls:
            private_key: ""
            min_version: "1.1"
            handshake_timeout: 0s
            ciphers: all
        """)
        XCTAssertEqual(found, [
            "sluice.yaml:3: server.tls.certificate: is missing (the path of a PEM file)",
            "sluice.yaml:4: server.tls.private_key: the path is empty (the path of a PEM file)",
            "sluice.yaml:5: server.tls.min_version: \"1.1\" is not a choice (one of: 1.2, 1.3)",
            "sluice.yaml:6: server.tls.handshake_timeout: \"0s\" is too small (a duration such as 250ms, 10s, 1m, 1h or plain seconds, from 10ms to 10m)",
            "sluice.yaml:7: server.tls.ciphers: is an unknown key (allowed here: certificate, private_key, min_version, handshake_timeout)",
        ])
    }

    func testTLSMustBeAMapping() {
        XCTAssertEqual(problems("server:\n  tls: yes\n").count, 1)
    }
}

/// `https://` targets and `upstream.tls` (SPEC §3, §11).
final class UpstreamTLSSettingsTests: XCTestCase {
    private func parse(_ yaml: String) throws -> UpstreamConfig {
        try SluiceConfig.parse(yaml: yaml, file: "sluice.yaml").upstream
    }

    private func problems(_ yaml: String) -> [String] {
        do {
            _ = try SluiceConfig.parse(yaml: yaml, file: "sluice.yaml")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    func testTargetsMayBeHTTPSAndTLSDefaultsToVerifying() throws {
        let upstream = try parse(#"upstream: { targets: ["127.0.0.1:3000", "https://api.internal:8443", "http://10.0.0.1:80/"] }"#)
        XCTAssertEqual(upstream.targets, [
            UpstreamTarget(HostPort(host: "127.0.0.1", port: 3000)),
            UpstreamTarget(HostPort(host: "api.internal", port: 8443), usesTLS: true),
            UpstreamTarget(HostPort(host: "10.0.0.1", port: 80)),
        ])
        XCTAssertEqual(upstream.targets.map(\.description), ["127.0.0.1:3000", "https://api.internal:8443", "10.0.0.1:80"])
        XCTAssertEqual(upstream.tls, UpstreamTLSConfig(verify: true, caFile: "", serverName: "", clientCertificate: "", clientKey: ""))
    }

    func testUpstreamTLSIsRead() throws {
        let yaml = """
        upstream:
          targets: ["https://10.0.0.1:443"]
          tls: { verify: false, ca_file: ca.pem, server_name: api.internal, client_certificate: c.pem, client_key: k.pem }
        """
        XCTAssertEqual(try parse(yaml).tls, UpstreamTLSConfig(verify: false, caFile: "ca.pem", serverName: "api.internal",
                                                              clientCertificate: "c.pem", clientKey: "k.pem"))
    }

    func testBadSchemesPathsNamesAndAHalfClientPairAreReported() {
        XCTAssertEqual(problems("""
        upstream:
          targets: ["ftp://a:1", "https://a:2/v1", "https://a:3", "a:3"]
          tls:
            server_name: "not a name"
            client_certificate: c.pem
        """), [
            #"sluice.yaml:2: upstream.targets[0]: "ftp" is not http or https (host:port or https://host:port such as 127.0.0.1:3000 or https://api.internal:443, port 1 to 65535)"#,
            #"sluice.yaml:2: upstream.targets[1]: "https://a:2/v1" has a path (a target is a host and a port) (host:port or https://host:port such as 127.0.0.1:3000 or https://api.internal:443, port 1 to 65535)"#,
            "sluice.yaml:2: upstream.targets[3]: a:3 is listed twice (each target once; it is targets[2] already)",
            #"sluice.yaml:4: upstream.tls.server_name: "not a name" is not a host name (a host name such as api.example.com, or "")"#,
            "sluice.yaml:5: upstream.tls.client_key: is missing while client_certificate is set (both for mutual TLS, or neither)",
        ])
    }
}
