/// The request-independent inputs of `KeyTable.verdict`: `auth.key_prefix` and `auth.scopes`.
public struct AccessRules: Sendable, Equatable {
    /// `auth.key_prefix`; empty for none.
    public let keyPrefix: String
    /// `auth.scopes`, in order: the first that covers a request decides.
    public let scopeRules: [ScopeRule]

    let prefixBytes: [UInt8]

    /// Rules from the configuration.
    public init(keyPrefix: String = "", scopeRules: [ScopeRule] = []) {
        self.keyPrefix = keyPrefix
        self.scopeRules = scopeRules
        prefixBytes = Array(keyPrefix.utf8)
    }

    /// The first rule that covers `method` and the request `target` (query ignored).
    func firstRule(method: UnsafeRawBufferPointer, target: UnsafeRawBufferPointer) -> ScopeRule? {
        guard !scopeRules.isEmpty else { return nil }
        return RequestPath.withNormalisedPath(of: target) { path in
            scopeRules.first { $0.covers(method: method, path: path) }
        }
    }
}
