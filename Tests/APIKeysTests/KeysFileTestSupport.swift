import APIKeys
import OpenSSLBinding
import XCTest

/// The SHA-256 hex of `key`, as a keys file carries it.
func sha(_ key: String) -> String {
    SHA256Digest(hashing: key).hex
}

/// Parses `lines` (joined by newlines) as the keys file `keys.jsonl`.
func parseKeys(_ lines: [String], plans: Set<String> = ["free", "pro"]) -> Result<KeyTable, KeysFileError> {
    KeyRegistry.parse(lines.joined(separator: "\n"), file: "keys.jsonl", planNames: plans)
}

/// The table of `lines`, failing the test on any problem.
func table(_ lines: [String], plans: Set<String> = ["free", "pro"], file: StaticString = #filePath, line: UInt = #line) throws -> KeyTable {
    switch parseKeys(lines, plans: plans) {
    case .success(let table): return table
    case .failure(let error):
        XCTFail("unexpected problems:\n\(error)", file: file, line: line)
        throw error
    }
}

/// The problems of `lines`, failing the test when they load.
func problems(_ lines: [String], plans: Set<String> = ["free", "pro"], file: StaticString = #filePath, line: UInt = #line) -> [KeysFileProblem] {
    switch parseKeys(lines, plans: plans) {
    case .success:
        XCTFail("the file loaded", file: file, line: line)
        return []
    case .failure(let error): return error.problems
    }
}
