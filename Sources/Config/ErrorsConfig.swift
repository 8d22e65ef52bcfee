import Normaliser

/// Error normalisation (`errors:`).
public struct ErrorsConfig: Sendable, Equatable {
    /// When false, upstream error responses pass through unchanged (sluice's own still use the envelope).
    public var normalise: Bool
    /// When false, upstream 5xx messages are replaced by the generic text.
    public var exposeUpstream5xxMessages: Bool
    /// Extra status/message → code mappings, checked before the built-in table (the normaliser's own type).
    public var rules: [CodeRule]

    /// Creates an errors section; every argument defaults to SPEC §3.
    public init(normalise: Bool = true, exposeUpstream5xxMessages: Bool = false, rules: [CodeRule] = []) {
        self.normalise = normalise
        self.exposeUpstream5xxMessages = exposeUpstream5xxMessages
        self.rules = rules
    }

    /// The defaults of SPEC §3.
    public static let `default` = ErrorsConfig()
}
