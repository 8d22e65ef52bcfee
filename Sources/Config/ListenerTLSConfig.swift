/// TLS on the public listener (`server.tls:`, SPEC §11). Absent or null: the listener speaks plain HTTP.
public struct ListenerTLSConfig: Sendable, Equatable {
    /// The lowest TLS version accepted.
    public enum MinimumVersion: String, Sendable, CaseIterable {
        case tls12 = "1.2"
        case tls13 = "1.3"
    }

    /// PEM file: the leaf certificate, then intermediates.
    public var certificate: String
    /// PEM file: the certificate's private key, unencrypted (RSA or ECDSA).
    public var privateKey: String
    /// TLS 1.2 and 1.3, or 1.3 only.
    public var minVersion: MinimumVersion
    /// A handshake not complete this long after the connection was accepted closes it.
    public var handshakeTimeout: Duration

    /// Creates a `server.tls` section; the version and timeout default to SPEC §3.
    public init(certificate: String, privateKey: String, minVersion: MinimumVersion = .tls12,
                handshakeTimeout: Duration = .seconds(10)) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.minVersion = minVersion
        self.handshakeTimeout = handshakeTimeout
    }
}
