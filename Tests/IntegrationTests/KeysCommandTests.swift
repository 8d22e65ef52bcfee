import APIKeys
import Foundation
import OpenSSLBinding
import XCTest

/// `sluice keys new` and `sluice keys hash`, run as the built binary (SPEC §10).
final class KeysCommandTests: XCTestCase {
    /// Runs `sluice ARGUMENTS` and returns its exit status, stdout and stderr.
    private func sluice(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try run(BinaryLocator.path(of: "sluice"), arguments)
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try ChildProcess(executable: executable, arguments: arguments)
        let status = try child.waitForExit(timeout: 30)
        child.waitForOutputClosed(timeout: 30)
        return (status, child.standardOutput, child.standardError)
    }

    func testKeysNewPrintsALineThatLoadsOnStdoutAndItsKeyOnceOnStderr() throws {
        let (status, stdout, stderr) = try sluice(["keys", "new", "--id", "acme-prod", "--plan", "pro", "--prefix", "keva_live_"])
        XCTAssertEqual(status, 0, stderr)
        let lines = stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, stdout)
        let keys = stderr.split(separator: "\n")
        XCTAssertEqual(keys.count, 1, stderr)
        let key = String(try XCTUnwrap(keys.first))
        XCTAssertTrue(key.hasPrefix("keva_live_"), key)
        XCTAssertGreaterThanOrEqual(key.utf8.count - "keva_live_".utf8.count, 22, "at least 128 bits of [A-Za-z0-9]")
        XCTAssertFalse(stdout.contains(key), "the key itself is printed once, on stderr only")

        let table = try KeyRegistry.parse(stdout, file: "stdout", planNames: ["pro"]).get()
        XCTAssertEqual(table.keyCount, 1)
        XCTAssertTrue(stdout.contains(#""sha256":"\#(SHA256Digest(hashing: key).hex)""#), "the line carries the key's SHA-256")
        guard case .accepted(let consumer) = table.verdict(
            token: key, method: "GET", target: "/v1/users", now: Int64(Date().timeIntervalSince1970),
            rules: AccessRules(keyPrefix: "keva_live_"))
        else { return XCTFail("the printed key is not accepted by its printed line") }
        XCTAssertEqual(table.consumer(consumer), Consumer(id: "acme-prod", plan: "pro", scopes: []))
    }

    func testKeysNewRefusesABadIDWithWhatIsAllowed() throws {
        let (status, stdout, stderr) = try sluice(["keys", "new", "--id", "acme prod"])
        XCTAssertNotEqual(status, 0)
        XCTAssertEqual(stdout, "")
        XCTAssertTrue(stderr.contains("1 to 64 of A-Z a-z 0-9 . _ -"), stderr)
    }

    func testKeysHashTakesTheKeyAsArgumentOrOnStandardInput() throws {
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        let (status, stdout, stderr) = try sluice(["keys", "hash", "abc"])
        XCTAssertEqual(status, 0, stderr)
        XCTAssertEqual(stdout, abc + "\n")

        // On standard input, with the final newline an `echo` or a terminal adds.
        let input = NSTemporaryDirectory() + "sluice-key-\(UUID().uuidString)"
        try "abc\n".write(toFile: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let piped = try run("/bin/sh", ["-c", #""$0" keys hash < "$1""#, BinaryLocator.path(of: "sluice"), input])
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(piped.stdout, abc + "\n")
    }

    func testKeysHashOfNothingIsRefused() throws {
        let (status, stdout, stderr) = try sluice(["keys", "hash"])  // stdin is /dev/null
        XCTAssertNotEqual(status, 0)
        XCTAssertEqual(stdout, "")
        XCTAssertTrue(stderr.contains("no key given"), stderr)
    }
}
