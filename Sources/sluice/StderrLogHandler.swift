import Essentials
import Glibc
import Logging
import Synchronization

/// The process's log level, shared by every handler so that a reload can change it.
final class SharedLogLevel: Sendable {
    private static let levels = Logger.Level.allCases
    private let index: Atomic<Int>

    init(_ level: Logger.Level) { index = Atomic(SharedLogLevel.levels.firstIndex(of: level) ?? 2) }

    var level: Logger.Level {
        get { SharedLogLevel.levels[index.load(ordering: .relaxed)] }
        set { index.store(SharedLogLevel.levels.firstIndex(of: newValue) ?? 2, ordering: .relaxed) }
    }
}

/// One line per event on stderr: `2026-11-21T10:30:00Z info listening address=127.0.0.1:8080 listener=public`.
struct StderrLogHandler: LogHandler {
    let label: String
    let sharedLevel: SharedLogLevel
    var metadata: Logger.Metadata = [:]

    init(label: String, level: SharedLogLevel) {
        self.label = label
        self.sharedLevel = level
    }

    var logLevel: Logger.Level {
        get { sharedLevel.level }
        set { sharedLevel.level = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = RFC3339.format(unixSeconds: SystemTime.wallSeconds()) + " " + event.level.rawValue + " " + event.message.description
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() {
            line += " \(key)=\(merged[key]!)"
        }
        line += "\n"
        writeToStandardError(line)
    }
}

/// `print(…, to:)` target for stderr.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        writeToStandardError(string)
    }
}

/// One `write(2)` per line, so lines from different threads never interleave.
func writeToStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if n <= 0 { return }
            offset += n
        }
    }
}
