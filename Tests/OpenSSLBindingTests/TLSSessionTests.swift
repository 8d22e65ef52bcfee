import Foundation
import OpenSSLBinding
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// ``TLSSession`` without an event loop: a server and a client session over a non-blocking socket pair, stepped by
/// hand, so each `WANT_READ` is seen where it happens; certificates made with `openssl` for the test.
final class TLSSessionTests: XCTestCase {
    private var directory = ""
    private var ca = "", certificate = "", key = "", otherCA = ""
    private var descriptors: [Int32] = []

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "sluice-tls-session-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        ca = "\(directory)/ca.pem"
        otherCA = "\(directory)/other.pem"
        certificate = "\(directory)/leaf.pem"
        key = "\(directory)/leaf.key"
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        try openssl(["req", "-x509"] + ec + ["-keyout", "\(directory)/ca.key", "-out", ca, "-days", "2", "-subj", "/CN=ca"])
        try openssl(["req", "-x509"] + ec + ["-keyout", "\(directory)/other.key", "-out", otherCA, "-days", "2", "-subj", "/CN=other"])
        try "subjectAltName=DNS:localhost\n".write(toFile: "\(directory)/ext", atomically: true, encoding: .utf8)
        try openssl(["req"] + ec + ["-keyout", key, "-out", "\(directory)/leaf.csr", "-subj", "/CN=localhost"])
        try openssl(["x509", "-req", "-in", "\(directory)/leaf.csr", "-CA", ca, "-CAkey", "\(directory)/ca.key", "-set_serial", "7",
                     "-days", "2", "-extfile", "\(directory)/ext", "-out", certificate])
    }

    override func tearDown() {
        for fd in descriptors { close(fd) }
        try? FileManager.default.removeItem(atPath: directory)
        super.tearDown()
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "openssl \(arguments.joined(separator: " "))")
    }

    /// A non-blocking connected pair: (server side, client side).
    private func socketPair() -> (Int32, Int32) {
        var pair: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &pair), 0)
        descriptors += pair
        return (pair[0], pair[1])
    }

    private func sessions(caFile: String) throws -> (server: TLSSession, client: TLSSession) {
        let (serverFD, clientFD) = socketPair()
        let serverContext = try TLSServerContext(certificate: certificate, privateKey: key, minimumVersion: .tls12)
        let clientContext = try TLSClientContext(verify: true, caFile: caFile, clientCertificate: nil)
        return (try TLSSession(server: serverContext, fd: serverFD),
                try TLSSession(client: clientContext, fd: clientFD, serverName: "localhost"))
    }

    /// Steps both handshakes until neither can go on; returns each side's last step.
    private func handshake(_ server: TLSSession, _ client: TLSSession) -> (TLSHandshakeStep, TLSHandshakeStep) {
        var serverStep = TLSHandshakeStep.wantRead, clientStep = TLSHandshakeStep.wantRead
        for _ in 0..<10 {
            if clientStep != .done { clientStep = client.handshake() }
            if serverStep != .done { serverStep = server.handshake() }
            if case .failed = clientStep { break }
            if case .failed = serverStep { break }
            if clientStep == .done && serverStep == .done { break }
        }
        return (serverStep, clientStep)
    }

    func testAServerThatHasReceivedNothingWantsToRead() throws {
        let (server, _) = try sessions(caFile: ca)
        XCTAssertEqual(server.handshake(), .wantRead)
    }

    func testHandshakeStepsToHTTP11OverTLS13AndBytesRoundTrip() throws {
        let (server, client) = try sessions(caFile: ca)
        let (serverStep, clientStep) = handshake(server, client)
        XCTAssertEqual(serverStep, .done)
        XCTAssertEqual(clientStep, .done)
        XCTAssertEqual(server.negotiatedProtocol, "http/1.1")
        XCTAssertEqual(client.negotiatedProtocol, "http/1.1")
        XCTAssertEqual(server.protocolVersion, "TLSv1.3")

        var buffer = [UInt8](repeating: 0, count: 64)
        XCTAssertEqual(buffer.withUnsafeMutableBytes { server.read(into: $0) }, .wantRead, "nothing was sent yet")
        let request = Array("GET / HTTP/1.1\r\n\r\n".utf8)
        XCTAssertEqual(request.withUnsafeBytes { client.write(from: $0) }, .bytes(request.count))
        XCTAssertEqual(buffer.withUnsafeMutableBytes { server.read(into: $0) }, .bytes(request.count))
        XCTAssertEqual(Array(buffer.prefix(request.count)), request)

        client.shutdown()
        XCTAssertEqual(buffer.withUnsafeMutableBytes { server.read(into: $0) }, .closed, "close_notify is the end of the stream")
    }

    func testAnUntrustedCertificateFailsTheClientsHandshakeWithTheReason() throws {
        let (server, client) = try sessions(caFile: otherCA)
        let (_, clientStep) = handshake(server, client)
        guard case .failed(let reason) = clientStep else { return XCTFail("handshake did not fail: \(clientStep)") }
        XCTAssertTrue(reason.contains("certificate verify failed"), reason)
    }

    private func problems(certificate: String, key: String) -> [TLSFileProblem] {
        do {
            _ = try TLSServerContext(certificate: certificate, privateKey: key, minimumVersion: .tls12)
            return []
        } catch {
            return error.problems
        }
    }

    func testAFailedContextNamesTheFileAtFault() throws {
        XCTAssertEqual(problems(certificate: certificate, key: key), [])
        let missing = problems(certificate: "\(directory)/nope.pem", key: key)
        XCTAssertEqual(missing.map(\.role), [.certificate])
        let mismatched = problems(certificate: certificate, key: "\(directory)/other.key")
        XCTAssertEqual(mismatched.map(\.role), [.privateKey])
        XCTAssertTrue(mismatched.first?.message.contains("does not match the certificate") ?? false, "\(mismatched)")
    }
}
