/// Something wrong with one of the PEM files a TLS context is made of: which file, and what is wrong.
public struct TLSFileProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which of the files.
    public enum Role: Sendable, Equatable {
        /// The certificate chain (leaf first).
        case certificate
        /// The private key of the leaf certificate.
        case privateKey
        /// A bundle of trusted CA certificates.
        case caBundle
    }

    /// Which file the problem is about.
    public let role: Role
    /// What is wrong, followed by what is expected in parentheses, e.g.
    /// `"/etc/sluice/key.pem" does not match the certificate (the private key of server.tls.certificate)`.
    public let message: String

    public var description: String { message }
}
