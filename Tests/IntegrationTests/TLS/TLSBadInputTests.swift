import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A bounded bad-input run over the TLS listener (SPEC §11): random bytes, records that claim to be handshakes,
/// and real ClientHellos cut at every kind of point. sluice never crashes, its memory stays flat, and it serves
/// afterwards.
final class TLSBadInputTests: TLSIntegrationTestCase {
    /// A real ClientHello (Python's `ssl` over memory BIOs), as hex.
    private func clientHello() throws -> [UInt8] {
        let script = """
            import ssl, sys
            context = ssl.create_default_context()
            incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
            session = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
            try: session.do_handshake()
            except ssl.SSLWantReadError: pass
            sys.stdout.write(outgoing.read().hex())
            """
        let hex = try ExternalTool.run("python3", ["-c", script]).stdout
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex), next <= hex.endIndex, index != next {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    /// Sends `bytes` on a new connection and closes it at once.
    private func sendAndLeave(_ bytes: [UInt8]) throws {
        let fd = try LoopbackSocket.connect(port: sluice?.port ?? 0, timeout: 5)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        Glibc.close(fd)
    }

    func testRandomBytesAndTruncatedClientHellosNeitherCrashNorGrowMemory() throws {
        let sluice = try startTLSSluice(handshakeTimeout: "1s") { $0.server.append("workers: 1") }
        let hello = try clientHello()
        XCTAssertGreaterThan(hello.count, 100, "no ClientHello")
        var random = SystemRandomNumberGenerator()
        func round(_ count: Int) throws {
            for i in 0..<count {
                switch i % 4 {
                case 0:
                    try sendAndLeave((0..<Int.random(in: 1...700, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
                case 1:
                    // A handshake record header, then noise.
                    let noise = (0..<Int.random(in: 0...600, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                    try sendAndLeave([0x16, 0x03, UInt8.random(in: 0...4, using: &random), UInt8.random(in: 0...0x40, using: &random),
                                      UInt8.random(in: 0...255, using: &random)] + noise)
                case 2:
                    try sendAndLeave(Array(hello.prefix(Int.random(in: 1..<hello.count, using: &random))))
                default:
                    // A whole ClientHello with one byte flipped.
                    var flipped = hello
                    flipped[Int.random(in: 5..<hello.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
                    try sendAndLeave(flipped)
                }
            }
        }
        try round(200)
        // Connections of the round may still be open a moment (their close is read next).
        usleep(300_000)
        let warmed = try XCTUnwrap(sluice.residentBytes())
        try round(1200)
        usleep(1_500_000)  // past handshake_timeout: anything left open has been closed
        let after = try XCTUnwrap(sluice.residentBytes())
        print("TLS bad input: RSS \(warmed >> 10) KiB after 200 connections, \(after >> 10) KiB after 1,400")
        XCTAssertLessThan(after - warmed, 8 << 20, "RSS grew from \(warmed >> 10) KiB to \(after >> 10) KiB over 1,200 bad connections")
        XCTAssertEqual(try curl(["/echo"]).status, 0, "sluice stopped serving after bad input")
        XCTAssertTrue(sluice.child.process.isRunning)
    }
}
