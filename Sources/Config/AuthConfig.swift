/// Client authentication (`auth:`).
public struct AuthConfig: Sendable, Equatable {
    /// When true, a request without `Authorization: Bearer <key>` gets 401 MISSING_AUTHORIZATION.
    public var requireAPIKey: Bool

    /// Creates an auth section; the argument defaults to SPEC §3.
    public init(requireAPIKey: Bool = true) {
        self.requireAPIKey = requireAPIKey
    }

    /// The defaults of SPEC §3.
    public static let `default` = AuthConfig()
}
