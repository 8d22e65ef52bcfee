/// The line of each key whose value names a file read only after the schema (TLS certificates and keys, SPEC
/// §11), by key path (`server.tls.certificate`), so that problems found in the files are reported where they
/// are named. Where a value was written is not part of the configuration: any two compare equal.
public struct FileKeyLines: Sendable, Equatable {
    private var lines: [String: Int] = [:]

    /// None recorded.
    public init() {}

    /// The line of the key at `keyPath`, if it names a file.
    public subscript(keyPath: String) -> Int? {
        get { lines[keyPath] }
        set { lines[keyPath] = newValue }
    }

    public static func == (_: FileKeyLines, _: FileKeyLines) -> Bool { true }
}
