#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loading a keys file (SPEC §10) into a `KeyTable`: JSON Lines, one key per line; blank lines and lines
/// starting with `#` are ignored; every problem is reported at once, with its line.
public enum KeyRegistry {
    /// Reads and checks the keys file at `path` (streamed in 1 MiB reads, so a file of a million keys never
    /// sits in memory whole). `planNames` are the names of `rate_limit.plans`.
    public static func load(path: String, planNames: Set<String>) -> Result<KeyTable, KeysFileError> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(unreadable(path, errno)) }
        defer { close(descriptor) }
        var reader = KeysFileReader(file: path, planNames: planNames)
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(unreadable(path, errno))
            }
            if count == 0 { break }
            chunk.withUnsafeBufferPointer { buffer in
                var start = 0
                for index in 0..<count where buffer[index] == UInt8(ascii: "\n") {
                    if pending.isEmpty {
                        reader.add(line: UnsafeBufferPointer(rebasing: buffer[start..<index]))
                    } else {
                        pending.append(contentsOf: buffer[start..<index])
                        pending.withUnsafeBufferPointer { reader.add(line: $0) }
                        pending.removeAll(keepingCapacity: true)
                    }
                    start = index + 1
                }
                pending.append(contentsOf: buffer[start..<count])
            }
        }
        if !pending.isEmpty { pending.withUnsafeBufferPointer { reader.add(line: $0) } }
        return reader.finish()
    }

    /// Checks the keys-file text `contents`, naming it `file` in problems.
    public static func parse(_ contents: String, file: String, planNames: Set<String>) -> Result<KeyTable, KeysFileError> {
        var reader = KeysFileReader(file: file, planNames: planNames)
        let bytes = Array(contents.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            for line in buffer.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                reader.add(line: UnsafeBufferPointer(rebasing: line))
            }
        }
        return reader.finish()
    }

    private static func unreadable(_ path: String, _ code: Int32) -> KeysFileError {
        let reason = String(cString: strerror(code))
        return KeysFileError(problems: [KeysFileProblem(file: path, line: 0, message: "cannot read the keys file: \(reason)")])
    }
}

/// The state of reading one keys file: the line number, the problems so far, the table being built.
struct KeysFileReader {
    let file: String
    let planNames: Set<String>
    private(set) var lineNumber = 0
    private var problems: [KeysFileProblem] = []
    private var builder: KeyTableBuilder

    init(file: String, planNames: Set<String>) {
        self.file = file
        self.planNames = planNames
        builder = KeyTableBuilder(planNames: planNames)
    }

    /// Takes the next line (without its `\n`; a `\r` before it is dropped).
    mutating func add(line: UnsafeBufferPointer<UInt8>) {
        lineNumber += 1
        var end = line.count
        if end > 0, line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        var start = 0
        while start < end, line[start] == UInt8(ascii: " ") || line[start] == UInt8(ascii: "\t") { start += 1 }
        if start == end || line[start] == UInt8(ascii: "#") { return }
        switch KeyRecord.parse(UnsafeBufferPointer(rebasing: line[start..<end]), planNames: planNames) {
        case .success(let record):
            if let message = builder.add(record, line: lineNumber) { report(message, at: lineNumber) }
        case .failure(let lineProblems):
            for message in lineProblems.messages { report(message, at: lineNumber) }
        }
    }

    /// The table, or every problem in line order.
    consuming func finish() -> Result<KeyTable, KeysFileError> {
        var repeats: [KeysFileProblem] = []
        let table = builder.build { line, message in repeats.append(KeysFileProblem(file: file, line: line, message: message)) }
        if let table, problems.isEmpty { return .success(table) }
        let all = (problems + repeats).enumerated()
            .sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
        return .failure(KeysFileError(problems: all))
    }

    private mutating func report(_ message: String, at line: Int) {
        problems.append(KeysFileProblem(file: file, line: line, message: message))
    }
}
