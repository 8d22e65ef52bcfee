import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// What the TLS tests share: one set of test certificates per run (made once: RSA keys take a while), sluice
/// with `server.tls`, curl against it, and a raw socket for bytes that are not TLS.
class TLSIntegrationTestCase: IntegrationTestCase {
    private static let made = Result { try TestCertificates() }
    var certificates: TestCertificates { get throws { try TLSIntegrationTestCase.made.get() } }

    /// The `server.tls` line for a pair.
    func listenerTLS(_ pair: TestCertificates.Pair, minVersion: String = "1.2", handshakeTimeout: String = "1s") -> String {
        #"tls: { certificate: "\#(pair.certificate)", private_key: "\#(pair.key)", min_version: "\#(minVersion)", "#
            + #"handshake_timeout: \#(handshakeTimeout) }"#
    }

    /// Starts sluice terminating TLS with `pair` (the ECDSA leaf by default).
    @discardableResult
    func startTLSSluice(_ pair: TestCertificates.Pair? = nil, minVersion: String = "1.2", handshakeTimeout: String = "1s",
                        _ configure: (inout SluiceConfig) -> Void = { _ in }) throws -> SluiceProcess {
        let pair = try pair ?? certificates.leaf
        return try startSluice {
            $0.server.append(self.listenerTLS(pair, minVersion: minVersion, handshakeTimeout: handshakeTimeout))
            configure(&$0)
        }
    }

    /// `curl -sS -v --cacert CA ARGUMENTS URL…` against sluice's port, each path a URL on one connection when it can.
    func curl(_ paths: [String], _ arguments: [String] = [], host: String = "localhost") throws -> (status: Int32, stdout: String, stderr: String) {
        let port = sluice?.port ?? 0
        let urls = paths.map { "https://\(host):\(port)\($0)" }
        return try ExternalTool.run("curl", ["-sS", "-v", "--max-time", "20", "--cacert", try certificates.ca.certificate]
                                    + arguments + urls)
    }

    /// Connects a plain socket to sluice, sends `bytes`, and returns whether sluice closed (end of stream or reset)
    /// within `timeout`, and the bytes it sent first.
    func sendRaw(_ bytes: [UInt8], closedWithin timeout: TimeInterval) throws -> (closed: Bool, received: [UInt8]) {
        let fd = try LoopbackSocket.connect(port: sluice?.port ?? 0, timeout: timeout)
        defer { Glibc.close(fd) }
        if !bytes.isEmpty { _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { received += chunk[..<n]; continue }
            if n == 0 || errno == ECONNRESET { return (true, received) }
            if errno == EINTR { continue }
            return (false, received)  // the receive timeout passed
        }
        return (false, received)
    }
}
