/// TLS to `https://` targets (`upstream.tls:`, SPEC §11).
public struct UpstreamTLSConfig: Sendable, Equatable {
    /// Whether the certificate chain and the host name are checked; false only for tests (logged as a warning).
    public var verify: Bool
    /// A PEM bundle of the CAs trusted; `""` uses the system's store.
    public var caFile: String
    /// The SNI sent and the name verified; `""` uses each target's host.
    public var serverName: String
    /// Mutual TLS: a PEM certificate chain offered to targets; `""` (with `clientKey`) offers none.
    public var clientCertificate: String
    /// Mutual TLS: the client certificate's PEM key.
    public var clientKey: String

    /// Creates an `upstream.tls` section; every argument defaults to SPEC §3.
    public init(verify: Bool = true, caFile: String = "", serverName: String = "", clientCertificate: String = "",
                clientKey: String = "") {
        self.verify = verify
        self.caFile = caFile
        self.serverName = serverName
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
    }

    /// The defaults of SPEC §3.
    public static let `default` = UpstreamTLSConfig()
}
