import ArgumentParser
import Config
import Engine
import Logging
import Proxy
import RateLimiter

/// sluice: a resilient reverse proxy for HTTP JSON APIs.
@main
struct Sluice: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A resilient reverse proxy for HTTP JSON APIs: rate limits, canonical errors, retries.",
        version: version,
        subcommands: [Serve.self, Check.self, Keys.self],
        defaultSubcommand: Serve.self)
}

/// Options shared by every subcommand.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The YAML configuration file.")
    var config: String = SluiceConfig.defaultPath
}

extension Sluice {
    /// `sluice [--config PATH]`: run the proxy.
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the proxy (the default).")
        @OptionGroup var options: ConfigOption

        func run() throws {
            let config = try loadOrExit(options.config)
            let logLevel = SharedLogLevel(config.logging.level.swiftLogLevel)
            LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: logLevel) }
            let logger = Logger(label: "sluice")
            do {
                let limiter = RateLimiter(limits: config.rateLimit.limits, maxTrackedKeys: config.rateLimit.maxTrackedKeys)
                let path = options.config
                let server = try ProxyServer(config: config, limiter: limiter, logger: logger) { () throws(ConfigError) in
                    let reloaded = try loadChecked(path)
                    logLevel.level = reloaded.logging.level.swiftLogLevel
                    return reloaded
                }
                let status = try server.run()
                throw ExitCode(status)
            } catch let error as StartupError {
                logger.critical("cannot start", metadata: ["error": "\(error)"])
                throw ExitCode(1)
            }
        }
    }

    /// `sluice check [--config PATH]`: validate the configuration and exit 0, or print every problem and exit 2.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate the configuration file (exit 0, or 2 with every problem).")
        @OptionGroup var options: ConfigOption

        func run() throws {
            _ = try loadOrExit(options.config)
            print("\(options.config): OK")
        }
    }
}

/// Reads and validates the configuration, then loads the files it names (TLS certificates and keys): every
/// problem is reported at its line.
func loadChecked(_ path: String) throws(ConfigError) -> SluiceConfig {
    let config = try SluiceConfig.load(path: path)
    _ = try TLSContexts.load(config, file: path)
    return config
}

/// Loads the configuration, or prints every problem to stderr and exits 2.
func loadOrExit(_ path: String) throws -> SluiceConfig {
    do {
        return try loadChecked(path)
    } catch {
        var standardError = StandardError()
        print(error.description, to: &standardError)
        throw ExitCode(2)
    }
}

extension LogLevel {
    var swiftLogLevel: Logger.Level {
        switch self {
        case .trace: return .trace
        case .debug: return .debug
        case .info: return .info
        case .warning: return .warning
        case .error: return .error
        }
    }
}
