import Foundation

/// Finds the executables `swift build` put beside the test bundle, and the package's source root.
enum BinaryLocator {
    /// Thrown when a binary cannot be found in any candidate directory.
    struct NotFound: Error, CustomStringConvertible {
        var name: String
        var searched: [String]
        var description: String { "\(name) not found in \(searched) (build it, or set SLUICE_BIN_DIR)" }
    }

    /// Directories searched in order: `$SLUICE_BIN_DIR`, the test bundle's directory, the main executable's
    /// directory, and `<package>/.build/debug`.
    static var candidateDirectories: [String] {
        var directories: [String] = []
        if let override = ProcessInfo.processInfo.environment["SLUICE_BIN_DIR"], !override.isEmpty {
            directories.append(override)
        }
        for path in [CommandLine.arguments.first, Bundle.main.executablePath, Bundle.main.bundlePath].compactMap({ $0 }) {
            var directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            // On macOS the bundle's executable sits in X.xctest/Contents/MacOS.
            while directory.path.contains(".xctest") { directory = directory.deletingLastPathComponent() }
            directories.append(directory.path)
        }
        directories.append(packageRoot.appendingPathComponent(".build/debug").path)
        var seen = Set<String>()
        return directories.filter { seen.insert($0).inserted }
    }

    /// The path of the executable `name`.
    static func path(of name: String) throws -> String {
        let directories = candidateDirectories
        for directory in directories {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw NotFound(name: name, searched: directories)
    }

    /// The package root (the directory holding Package.swift), found from this file's real location.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent()  // Support
            .deletingLastPathComponent()  // IntegrationTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
    }
}
