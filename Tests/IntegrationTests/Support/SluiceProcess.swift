import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A running `sluice` with a temporary configuration file, its public and admin ports read from its log.
final class SluiceProcess {
    let child: ChildProcess
    /// The temporary configuration file.
    let configPath: String
    /// The public listener's port.
    let port: UInt16
    /// The admin listener's port, if sluice logged one.
    let adminPort: UInt16?

    /// Writes `yaml` to a temporary file, starts `sluice --config FILE` (with `environment` added to this
    /// process's), and waits until it logs a line with `listener=public` and `address=127.0.0.1:PORT` (in
    /// any order); then up to 1 s for `listener=admin`.
    init(yaml: String, environment: [String: String] = [:]) throws {
        configPath = try SluiceProcess.writeTemporaryConfig(yaml)
        child = try ChildProcess(executable: try BinaryLocator.path(of: "sluice"), arguments: ["--config", configPath],
                                 environment: environment)
        let publicLine = try child.waitForLine(onStdout: false) { SluiceProcess.announces($0, listener: "public") }
        guard let publicPort = SluiceProcess.port(in: publicLine, listener: "public") else {
            throw ChildProcess.Timeout(description: "cannot read the public port from: \(publicLine)")
        }
        port = publicPort
        let adminLine = try? child.waitForLine(onStdout: false, timeout: 1) { SluiceProcess.announces($0, listener: "admin") }
        adminPort = adminLine.flatMap { SluiceProcess.port(in: $0, listener: "admin") }
    }

    convenience init(config: SluiceConfig, environment: [String: String] = [:]) throws {
        try self.init(yaml: config.yaml, environment: environment)
    }

    deinit {
        child.kill()
        try? FileManager.default.removeItem(atPath: configPath)
    }

    var pid: Int32 { child.pid }

    /// A new client connection to the public listener.
    func connect(timeout: TimeInterval = 10) throws -> RawHTTPClient { try RawHTTPClient(port: port, timeout: timeout) }

    /// Sends a signal to sluice.
    func signal(_ number: Int32) { child.signal(number) }

    /// Waits for sluice to exit and returns its status.
    func waitForExit(timeout: TimeInterval = 10) throws -> Int32 { try child.waitForExit(timeout: timeout) }

    /// Kills sluice by PID.
    func stop() { child.kill() }

    /// Resident memory of the sluice process in bytes.
    func residentBytes() -> Int? { child.residentBytes() }

    /// Everything sluice wrote to stdout and stderr.
    var output: String { child.allOutput }

    /// Runs `sluice ARGUMENTS` (with `environment` added to this process's) to completion and returns its
    /// exit status and combined output.
    static func run(_ arguments: [String], environment: [String: String] = [:],
                    timeout: TimeInterval = 10) throws -> (status: Int32, output: String) {
        let child = try ChildProcess(executable: try BinaryLocator.path(of: "sluice"), arguments: arguments,
                                     environment: environment)
        let status = try child.waitForExit(timeout: timeout)
        child.waitForOutputClosed(timeout: timeout)
        return (status, child.allOutput)
    }

    /// Writes `yaml` to a fresh file in the temporary directory and returns its path.
    static func writeTemporaryConfig(_ yaml: String) throws -> String {
        let path = NSTemporaryDirectory() + "sluice-test-\(UUID().uuidString).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Whether a log line announces the listener `name` (`listener=NAME` and `address=…`, in any order).
    static func announces(_ line: String, listener name: String) -> Bool {
        port(in: line, listener: name) != nil
    }

    /// The port of `address=HOST:PORT` in a line that carries `listener=NAME`.
    static func port(in line: String, listener name: String) -> UInt16? {
        let fields = fields(of: line)
        guard fields.contains("listener=\(name)"),
              let address = fields.first(where: { $0.hasPrefix("address=") }),
              let colon = address.lastIndex(of: ":") else { return nil }
        return UInt16(address[address.index(after: colon)...])
    }

    /// The whitespace-separated words of a log line, without quotes and trailing commas.
    private static func fields(of line: String) -> [String] {
        line.split(whereSeparator: \.isWhitespace).map { String($0).replacingOccurrences(of: "\"", with: "").trimmingCharacters(in: CharacterSet(charactersIn: ",")) }
    }
}
