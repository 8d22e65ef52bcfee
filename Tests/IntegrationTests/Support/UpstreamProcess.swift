import Foundation

/// A running `demo-upstream` on 127.0.0.1 with a port the kernel chose.
final class UpstreamProcess {
    let child: ChildProcess
    /// The port it listens on.
    let port: UInt16

    /// Starts `demo-upstream --listen 127.0.0.1:0` plus `extraArguments` and waits for its `listening` line.
    init(extraArguments: [String] = []) throws {
        child = try ChildProcess(executable: try BinaryLocator.path(of: "demo-upstream"),
                                 arguments: ["--listen", "127.0.0.1:0"] + extraArguments)
        let line = try child.waitForLine(onStdout: true) { $0.hasPrefix("listening ") }
        guard let portText = line.split(separator: ":").last, let port = UInt16(portText) else {
            throw ChildProcess.Timeout(description: "unexpected demo-upstream line: \(line)")
        }
        self.port = port
    }

    /// "127.0.0.1:PORT", for sluice's `upstream.targets`.
    var address: String { "127.0.0.1:\(port)" }

    /// A new direct connection to the upstream (bypassing sluice).
    func connect() throws -> RawHTTPClient { try RawHTTPClient(port: port) }

    /// Requests counted by the upstream so far (`/hits`; introspection paths are not counted).
    func hits() throws -> Int { try counter(path: "/hits", key: "hits") }

    /// TCP connections the upstream has accepted so far, including the one this call uses.
    func connectionsAccepted() throws -> Int { try counter(path: "/connections", key: "connections") }

    /// Connections currently open at the upstream, including the one this call uses.
    func connectionsOpen() throws -> Int { try counter(path: "/connections", key: "open") }

    private func counter(path: String, key: String) throws -> Int {
        let client = try connect()
        defer { client.close() }
        guard let response = try client.request("GET", path), let value = response.jsonObject?[key] as? Int else {
            throw RawHTTPClient.Failure.malformed("no \(key) from upstream \(path)")
        }
        return value
    }

    /// Stops the upstream (SIGKILL by PID).
    func stop() { child.kill() }
}
