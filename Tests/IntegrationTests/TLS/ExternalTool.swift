import Foundation

/// Runs a program found on PATH (openssl, curl, python3) to completion: the TLS tests' real peers.
enum ExternalTool {
    struct Missing: Error, CustomStringConvertible {
        let name: String
        var description: String { "\(name) is not on PATH (scripts/test.sh installs it)" }
    }

    /// The full path of `name` on PATH.
    static func path(of name: String) throws -> String {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in directories {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Missing(name: name)
    }

    /// Runs `name ARGUMENTS`; returns its exit status, stdout and stderr.
    @discardableResult
    static func run(_ name: String, _ arguments: [String], timeout: TimeInterval = 30) throws
        -> (status: Int32, stdout: String, stderr: String) {
        let child = try ChildProcess(executable: try path(of: name), arguments: arguments)
        let status = try child.waitForExit(timeout: timeout)
        child.waitForOutputClosed(timeout: timeout)
        return (status, child.standardOutput, child.standardError)
    }

    /// Runs a tool and throws with its output unless it exits 0.
    static func succeed(_ name: String, _ arguments: [String]) throws {
        let result = try run(name, arguments)
        guard result.status == 0 else {
            throw ChildProcess.Timeout(description: "\(name) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
    }
}
