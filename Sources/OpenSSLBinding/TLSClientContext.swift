internal import COpenSSL

/// The TLS settings for `https://` targets (SPEC §11) as one `SSL_CTX`: chain verification against a CA
/// bundle or the system's store (unless verification is off), ALPN `http/1.1`, an optional client
/// certificate for mutual TLS. Shared by every worker, as ``TLSServerContext`` is.
public final class TLSClientContext: @unchecked Sendable {
    let context: OpaquePointer
    /// Whether peers' chains and names are verified.
    public let verifies: Bool

    /// - Parameters:
    ///   - verify: check the chain and the host name; false accepts any certificate.
    ///   - caFile: a PEM bundle of trusted CAs; nil uses the system's default store.
    ///   - clientCertificate: a certificate chain and key offered to targets that ask (mutual TLS).
    public init(verify: Bool, caFile: String?, clientCertificate: (certificate: String, privateKey: String)?)
        throws(TLSContextError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw TLSContextError(problems: [], failure: OpenSSLError.lastError(doing: "SSL_CTX_new"))
        }
        self.context = context
        self.verifies = verify
        _ = sluice_ssl_ctx_set_min_version(context, TLSVersion.tls12.protocolVersion)
        sluice_ssl_ctx_set_modes(context)
        sluice_ssl_ctx_set_options(context, 0)
        var problems: [TLSFileProblem] = []
        if verify {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            if let caFile {
                if let problem = TLSCredentials.loadTrusted(caFile: caFile, into: context) { problems.append(problem) }
            } else if SSL_CTX_set_default_verify_paths(context) != 1 {
                throw TLSContextError(problems: [], failure: OpenSSLError.lastError(doing: "SSL_CTX_set_default_verify_paths"))
            }
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }
        if let clientCertificate {
            problems += TLSCredentials.load(certificate: clientCertificate.certificate,
                                            privateKey: clientCertificate.privateKey, into: context)
        }
        guard problems.isEmpty else { throw TLSContextError(problems: problems, failure: nil) }
    }

    deinit { SSL_CTX_free(context) }
}
