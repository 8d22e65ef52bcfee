/// Logging (`logging:`).
public struct LoggingConfig: Sendable, Equatable {
    /// The lowest level written to the log.
    public var level: LogLevel
    /// Where the access log (one JSON object per request) goes.
    public var accessLog: AccessLogDestination

    /// Creates a logging section; every argument defaults to SPEC §3.
    public init(level: LogLevel = .info, accessLog: AccessLogDestination = .stdout) {
        self.level = level
        self.accessLog = accessLog
    }

    /// The defaults of SPEC §3.
    public static let `default` = LoggingConfig()
}

/// Log levels, lowest first.
public enum LogLevel: String, Sendable, Equatable, CaseIterable {
    case trace, debug, info, warning, error
}

/// Where access-log lines are written.
public enum AccessLogDestination: Sendable, Equatable {
    /// Standard output.
    case stdout
    /// Nowhere.
    case off
    /// Appended to this file path (`stderr` in the file means `/dev/stderr`).
    case file(String)
}
