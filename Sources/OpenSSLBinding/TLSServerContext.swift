internal import COpenSSL

/// The TLS settings of the public listener (SPEC §11) as one `SSL_CTX`: a certificate chain and its key,
/// TLS 1.2 + 1.3 (or 1.3 only), ALPN `http/1.1`, session resumption by ticket and by session id.
///
/// Immutable once made and shared by every worker: OpenSSL makes `SSL_new` on one context safe from any
/// thread. A certificate rotation makes a new context; sessions made from the old one keep it alive.
public final class TLSServerContext: @unchecked Sendable {
    let context: OpaquePointer

    /// Loads the pair; throws every problem with either file.
    public init(certificate: String, privateKey: String, minimumVersion: TLSVersion) throws(TLSContextError) {
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw TLSContextError(problems: [], failure: OpenSSLError.lastError(doing: "SSL_CTX_new"))
        }
        self.context = context
        _ = sluice_ssl_ctx_set_min_version(context, minimumVersion.protocolVersion)
        sluice_ssl_ctx_set_modes(context)
        sluice_ssl_ctx_enable_server_cache(context)
        // Session ids are only resumed within the context that names them.
        let sessionContext: [UInt8] = Array("sluice".utf8)
        SSL_CTX_set_session_id_context(context, sessionContext, UInt32(sessionContext.count))
        sluice_ssl_ctx_set_options(context, 1)
        sluice_ssl_ctx_select_http11(context)
        let problems = TLSCredentials.load(certificate: certificate, privateKey: privateKey, into: context)
        guard problems.isEmpty else { throw TLSContextError(problems: problems, failure: nil) }
    }

    deinit { SSL_CTX_free(context) }
}

/// A TLS context that could not be made: the files' problems, or OpenSSL itself failing.
public struct TLSContextError: Error, Sendable, CustomStringConvertible {
    /// What is wrong with each file, in the order the files are read.
    public let problems: [TLSFileProblem]
    /// An OpenSSL call that failed for no reason in the files (out of memory).
    public let failure: OpenSSLError?

    public var description: String {
        if let failure { return failure.description }
        return problems.map(\.description).joined(separator: "; ")
    }
}
