#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loading a keys file (SPEC §10) into a `KeyTable`: JSON Lines, one key per line; blank lines and lines
/// starting with `#` are ignored; every problem is reported at once, with its line.
public enum KeyRegistry {
    /// Reads and checks the keys file at `path` (streamed in 1 MiB reads, so a file of a million keys never
    /// sits in memory whole). `planNames` are the names of `rate_limit.plans`. `progress`, when given, hears
    /// (lines read, lines in the file) after every `progressInterval` lines, for a log of a long load.
    public static func load(path: String, planNames: Set<String>,
                            progress: ((_ linesRead: Int, _ lines: Int) -> Void)? = nil) -> Result<KeyTable, KeysFileError> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(unreadable(path, errno)) }
        defer { close(descriptor) }
        // A first pass counts the lines, so the key table is allocated once, at its size.
        var lines = 1
        if let code = forEachChunk(of: descriptor, { chunk in forEachNewline(in: chunk) { _ in lines += 1 } }) {
            return .failure(unreadable(path, code))
        }
        guard lseek(descriptor, 0, SEEK_SET) == 0 else { return .failure(unreadable(path, errno)) }
        var reader = KeysFileReader(file: path, planNames: planNames, expectedKeys: lines)
        var pending: [UInt8] = []  // the start of a line that straddles two reads
        let failure = forEachChunk(of: descriptor) { chunk in
            var start = 0
            forEachNewline(in: chunk) { index in
                if pending.isEmpty {
                    reader.add(line: UnsafeBufferPointer(rebasing: chunk[start..<index]))
                } else {
                    pending.append(contentsOf: chunk[start..<index])
                    pending.withUnsafeBufferPointer { reader.add(line: $0) }
                    pending.removeAll(keepingCapacity: true)
                }
                start = index + 1
                if let progress, reader.lineNumber % progressInterval == 0 { progress(reader.lineNumber, lines) }
            }
            pending.append(contentsOf: chunk[start...])
        }
        if let failure { return .failure(unreadable(path, failure)) }
        if !pending.isEmpty { pending.withUnsafeBufferPointer { reader.add(line: $0) } }
        return reader.finish()
    }

    /// How many lines pass between two `progress` calls of `load(path:planNames:progress:)`.
    public static let progressInterval = 250_000

    /// Checks the keys-file text `contents`, naming it `file` in problems.
    public static func parse(_ contents: String, file: String, planNames: Set<String>) -> Result<KeyTable, KeysFileError> {
        let bytes = Array(contents.utf8)
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        var reader = KeysFileReader(file: file, planNames: planNames, expectedKeys: lines.count)
        for line in lines { line.withUnsafeBufferPointer { reader.add(line: $0) } }
        return reader.finish()
    }

    /// Calls `body` with the index of each `\n` in `chunk`, in order (found with `memchr`).
    private static func forEachNewline(in chunk: UnsafeBufferPointer<UInt8>, _ body: (Int) -> Void) {
        guard let base = chunk.baseAddress else { return }
        var from = 0
        while from < chunk.count, let found = memchr(base + from, Int32(UInt8(ascii: "\n")), chunk.count - from) {
            let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            body(index)
            from = index + 1
        }
    }

    /// Calls `body` with each read of `descriptor` (1 MiB at most) up to the end of the file; the `errno` of a
    /// failed read, or nil.
    private static func forEachChunk(of descriptor: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> Void) -> Int32? {
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count < 0 { return errno }
            if count == 0 { return nil }
            chunk.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
        }
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

    init(file: String, planNames: Set<String>, expectedKeys: Int) {
        self.file = file
        self.planNames = planNames
        builder = KeyTableBuilder(planNames: planNames, expectedKeys: expectedKeys)
    }

    /// Takes the next line (without its `\n`; a `\r` before it is dropped).
    mutating func add(line: UnsafeBufferPointer<UInt8>) {
        lineNumber += 1
        var end = line.count
        if end > 0, line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        var start = 0
        // A UTF-8 byte-order mark, as some editors write at the start of a file.
        if lineNumber == 1, end >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF { start = 3 }
        while start < end, line[start] == UInt8(ascii: " ") || line[start] == UInt8(ascii: "\t") { start += 1 }
        if start == end || line[start] == UInt8(ascii: "#") { return }
        switch KeyRecord.parse(UnsafeBufferPointer(rebasing: line[start..<end]), planNames: planNames) {
        case .success(let record):
            if let message = builder.add(record, line: lineNumber) { report(message, at: lineNumber) }
        case .failure(let lineProblems):
            for message in lineProblems.messages { report(message, at: lineNumber) }
        }
    }

    /// The table, or every problem (in line order: each is found at its line).
    consuming func finish() -> Result<KeyTable, KeysFileError> {
        if problems.isEmpty, let table = builder.build() { return .success(table) }
        return .failure(KeysFileError(problems: problems))
    }

    private mutating func report(_ message: String, at line: Int) {
        problems.append(KeysFileProblem(file: file, line: line, message: message))
    }
}
