import APIKeys
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
        usage: usage,
        discussion: discussion,
        version: version,
        // A new subcommand joins here and in `commandLines`.
        subcommands: [Serve.self, Check.self, Keys.self],
        defaultSubcommand: Serve.self)

    /// Every way to run sluice, as `sluice --help` lists them: the command line and what it does (kept under 80
    /// columns: ArgumentParser prints usage lines as they are).
    static let commandLines: [(command: String, effect: String)] = [
        ("sluice [--config <path>]", "run the proxy"),
        ("sluice check [--config <path>]", "validate the file (exit 0, or 2)"),
        ("sluice keys new --id <id> [...]", "issue an API key: its keys-file line"),
        ("sluice keys hash [<key>]", "print the SHA-256 the keys file stores"),
        ("sluice --version", "print the version"),
        ("sluice --help", "show this help"),
    ]

    /// The signals a running sluice answers, each effect in lines of at most 60 columns.
    static let signals: [(signal: String, effect: [String])] = [
        ("SIGHUP", ["re-read the file and auth.keys_file; if valid, switch to",
                    "them between requests (rate-limit state kept), else log",
                    "every problem and keep the running configuration"]),
        ("SIGTERM, SIGINT", ["stop accepting, let requests in flight finish for up to",
                             "server.shutdown_grace, exit 0"]),
        ("SIGUSR1", ["reopen the access-log file (after log rotation)"]),
    ]

    static var usage: String {
        let width = commandLines.map(\.command.count).max() ?? 0
        return commandLines.map { $0.command.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.effect }
            .joined(separator: "\n")
    }

    static var discussion: String {
        let width = signals.map(\.signal.count).max() ?? 0
        var lines = ["--config <path> names the YAML configuration file (default \(SluiceConfig.defaultPath);",
                     "reference: docs/configuration.md). Exit status: 0 after a clean stop, 1 when",
                     "sluice cannot start, 2 for an invalid configuration.", "", "SIGNALS:"]
        for (signal, effect) in signals {
            for (index, text) in effect.enumerated() {
                let label = index == 0 ? signal : ""
                lines.append("  " + label.padding(toLength: width + 2, withPad: " ", startingAt: 0) + text)
            }
        }
        lines += ["", "ADMIN LISTENER (admin.listen): / (the dashboard), /stats, /metrics, /keys/<id>,",
                  "/healthz, /readyz; see docs/operations.md."]
        return lines.joined(separator: "\n")
    }
}

/// Options shared by every subcommand.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The YAML configuration file.", valueName: "path"))
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
            let keys = try loadKeysOrExit(config, logger: logger)
            do {
                let limiter = RateLimiter(limits: config.rateLimit.limits, maxTrackedKeys: config.rateLimit.maxTrackedKeys)
                let path = options.config
                let server = try ProxyServer(config: config, limiter: limiter, keys: keys, logger: logger) { () throws(ConfigError) in
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
            let config = try loadOrExit(options.config)
            if !config.auth.keysFile.isEmpty {
                var quiet = Logger(label: "sluice")
                quiet.logLevel = .critical
                _ = try loadKeysOrExit(config, logger: quiet)
            }
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

/// Loads `config`'s keys file (nil without one), or prints every problem to stderr as `FILE:LINE: …` and exits 2.
func loadKeysOrExit(_ config: SluiceConfig, logger: Logger) throws -> KeyTable? {
    switch ProxyServer.loadKeys(for: config, logger: logger) {
    case .success(let keys):
        return keys
    case .failure(let error):
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
