#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The whole configuration of sluice, as read from `config/sluice.yaml` (SPEC §3).
public struct SluiceConfig: Sendable, Equatable {
    /// The public listener.
    public var server: ServerConfig
    /// The admin listener.
    public var admin: AdminConfig
    /// The API servers.
    public var upstream: UpstreamConfig
    /// Client authentication.
    public var auth: AuthConfig
    /// Rate limiting.
    public var rateLimit: RateLimitConfig
    /// Error normalisation.
    public var errors: ErrorsConfig
    /// Logging.
    public var logging: LoggingConfig
    /// Where the keys naming files (TLS certificates and keys) were written, for problems found in the files.
    public var fileKeyLines = FileKeyLines()

    /// The file read when no `--config` is given.
    public static let defaultPath = "config/sluice.yaml"

    /// Creates a configuration; every section but `upstream` defaults to SPEC §3.
    public init(
        server: ServerConfig = .default,
        admin: AdminConfig = .default,
        upstream: UpstreamConfig,
        auth: AuthConfig = .default,
        rateLimit: RateLimitConfig = .default,
        errors: ErrorsConfig = .default,
        logging: LoggingConfig = .default
    ) {
        self.server = server
        self.admin = admin
        self.upstream = upstream
        self.auth = auth
        self.rateLimit = rateLimit
        self.errors = errors
        self.logging = logging
    }

    /// The defaults of SPEC §3, with no upstream targets (so it would not pass validation).
    public static let `default` = SluiceConfig(upstream: .default)

    /// Reads and validates a file, `${NAME}` in values replaced from the process environment;
    /// throws every problem at once.
    public static func load(path: String) throws(ConfigError) -> SluiceConfig {
        switch readFile(path) {
        case .success(let text):
            return try parse(yaml: text, file: path, environment: EnvironmentReferences.process.lookup)
        case .failure(let complaint):
            throw ConfigError(problems: [ConfigProblem(file: path, line: 0, keyPath: "", message: complaint.text)])
        }
    }

    /// Parses YAML text; `file` is used in problem messages, `environment` gives the value of each
    /// `${NAME}` in a value (nil: not set).
    public static func parse(
        yaml: String, file: String, environment: @escaping @Sendable (String) -> String? = { _ in nil }
    ) throws(ConfigError) -> SluiceConfig {
        let log = ProblemLog(file: file, environment: EnvironmentReferences(lookup: environment))
        let document = YAMLDocument.compose(yaml, log: log)
        var config = SluiceConfig.default
        if document.ok {
            config = SchemaReader.read(root: document.root, log: log)
        }
        guard log.problems.isEmpty else { throw ConfigError(problems: log.sortedProblems) }
        return config
    }

    /// The bytes of a file as UTF-8 text.
    private static func readFile(_ path: String) -> Result<String, Complaint> {
        guard let handle = fopen(path, "rb") else {
            return .failure(Complaint("cannot open the file: \(String(cString: strerror(errno))) (a readable YAML file)"))
        }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            bytes.append(contentsOf: buffer[..<count])
            if count < buffer.count { break }
            if bytes.count > 16 * 1024 * 1024 {
                return .failure(Complaint("the file is larger than 16MiB (a configuration file)"))
            }
        }
        if ferror(handle) != 0 {
            return .failure(Complaint("cannot read the file: \(String(cString: strerror(errno))) (a readable YAML file)"))
        }
        return .success(String(decoding: bytes, as: UTF8.self))
    }
}
