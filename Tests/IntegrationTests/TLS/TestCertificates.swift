import Foundation

/// Certificates made by the test with `openssl` in a temporary directory: a test CA and a second, unrelated
/// one; leaves for `localhost` and `127.0.0.1` (ECDSA P-256 and RSA), an expired one, one for another name, and
/// a client certificate for mutual TLS. Removed when discarded.
final class TestCertificates: Sendable {
    let directory: String

    /// A PEM certificate and its key.
    struct Pair {
        let certificate: String
        let key: String
    }

    /// The CA every leaf below is signed by, and an unrelated one.
    let ca: Pair
    let otherCA: Pair
    /// `localhost` + `127.0.0.1`, ECDSA P-256.
    let leaf: Pair
    /// `localhost` + `127.0.0.1`, RSA 2048.
    let rsaLeaf: Pair
    /// `localhost` + `127.0.0.1`, already expired.
    let expired: Pair
    /// Only `wrong.example` (and no IP address).
    let wrongName: Pair
    /// `api.internal` only: for an SNI / server_name override.
    let internalName: Pair
    /// A client certificate (`CN=sluice client`) for mutual TLS.
    let client: Pair

    init() throws {
        directory = NSTemporaryDirectory() + "sluice-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // The expired one first: it expires one second after it is made.
        ca = try TestCertificates.makeCA(in: directory, name: "ca")
        otherCA = try TestCertificates.makeCA(in: directory, name: "other-ca")
        expired = try TestCertificates.makeLeaf(in: directory, name: "expired", ca: ca, days: 0)
        leaf = try TestCertificates.makeLeaf(in: directory, name: "leaf", ca: ca)
        rsaLeaf = try TestCertificates.makeLeaf(in: directory, name: "rsa", ca: ca, key: ["-newkey", "rsa:2048"])
        wrongName = try TestCertificates.makeLeaf(in: directory, name: "wrong", ca: ca, names: "DNS:wrong.example")
        internalName = try TestCertificates.makeLeaf(in: directory, name: "internal", ca: ca, names: "DNS:api.internal")
        client = try TestCertificates.makeLeaf(in: directory, name: "client", ca: ca, names: "DNS:client.local",
                                               subject: "/CN=sluice client")
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// A file in the directory with `contents`.
    func write(_ name: String, _ contents: String) throws -> String {
        let path = "\(directory)/\(name)"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private static let ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]

    private static func makeCA(in directory: String, name: String) throws -> Pair {
        let pair = Pair(certificate: "\(directory)/\(name).pem", key: "\(directory)/\(name).key")
        try ExternalTool.succeed("openssl", ["req", "-x509"] + ecKey + ["-nodes", "-keyout", pair.key, "-out", pair.certificate,
                                 "-days", "2", "-subj", "/CN=sluice test \(name)"])
        return pair
    }

    private static func makeLeaf(in directory: String, name: String, ca: Pair, key: [String] = ecKey,
                                 names: String = "DNS:localhost,IP:127.0.0.1", subject: String = "/CN=localhost",
                                 days: Int = 2) throws -> Pair {
        let pair = Pair(certificate: "\(directory)/\(name).pem", key: "\(directory)/\(name).key")
        let request = "\(directory)/\(name).csr", extensions = "\(directory)/\(name).ext"
        try "subjectAltName=\(names)\n".write(toFile: extensions, atomically: true, encoding: .utf8)
        try ExternalTool.succeed("openssl", ["req"] + key + ["-nodes", "-keyout", pair.key, "-out", request, "-subj", subject])
        try ExternalTool.succeed("openssl", ["x509", "-req", "-in", request, "-CA", ca.certificate, "-CAkey", ca.key,
                                 "-set_serial", "\(UInt32.random(in: 1...UInt32.max))", "-days", "\(days)",
                                 "-extfile", extensions, "-out", pair.certificate])
        return pair
    }
}
