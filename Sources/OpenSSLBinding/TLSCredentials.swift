internal import COpenSSL
import Glibc

/// Loads PEM files into an `SSL_CTX`, explaining each failure by file: a missing or unreadable file, no
/// PEM certificate or key in it, a key that does not belong to the certificate.
enum TLSCredentials {
    /// Loads `certificatePath` (leaf, then intermediates) and `keyPath` into `context`; every problem found.
    static func load(certificate certificatePath: String, privateKey keyPath: String,
                     into context: OpaquePointer) -> [TLSFileProblem] {
        var problems: [TLSFileProblem] = []
        var certificateLoaded = false
        if let problem = unreadable(certificatePath, role: .certificate) {
            problems.append(problem)
        } else if SSL_CTX_use_certificate_chain_file(context, certificatePath) != 1 {
            problems.append(TLSFileProblem(role: .certificate, message:
                "\"\(certificatePath)\" holds no usable PEM certificate: \(openSSLReason()) (a PEM file: the leaf certificate, then intermediates)"))
        } else {
            certificateLoaded = true
        }
        if let problem = unreadable(keyPath, role: .privateKey) {
            problems.append(problem)
        } else if SSL_CTX_use_PrivateKey_file(context, keyPath, SSL_FILETYPE_PEM) != 1 {
            let reason = openSSLReason()
            // A key that does not belong to the loaded certificate is refused by the same call.
            let mismatch = certificateLoaded && reason.contains("mismatch")
            problems.append(TLSFileProblem(role: .privateKey, message: mismatch
                ? "\"\(keyPath)\" does not match the certificate \"\(certificatePath)\" (the private key of that certificate)"
                : "\"\(keyPath)\" holds no usable PEM private key: \(reason) (an unencrypted PEM RSA or ECDSA key)"))
        } else if certificateLoaded && SSL_CTX_check_private_key(context) != 1 {
            ERR_clear_error()
            problems.append(TLSFileProblem(role: .privateKey, message:
                "\"\(keyPath)\" does not match the certificate \"\(certificatePath)\" (the private key of that certificate)"))
        }
        return problems
    }

    /// Loads a bundle of trusted CA certificates into `context`.
    static func loadTrusted(caFile path: String, into context: OpaquePointer) -> TLSFileProblem? {
        if let problem = unreadable(path, role: .caBundle) { return problem }
        guard SSL_CTX_load_verify_locations(context, path, nil) == 1 else {
            return TLSFileProblem(role: .caBundle, message:
                "\"\(path)\" holds no usable PEM certificate: \(openSSLReason()) (a PEM bundle of CA certificates)")
        }
        return nil
    }

    /// A file that cannot be opened for reading, with the system's reason.
    private static func unreadable(_ path: String, role: TLSFileProblem.Role) -> TLSFileProblem? {
        if path.isEmpty {
            return TLSFileProblem(role: role, message: "is empty (the path of a PEM file)")
        }
        guard let handle = fopen(path, "rb") else {
            return TLSFileProblem(role: role, message: "cannot open \"\(path)\": \(String(cString: strerror(errno))) (a readable PEM file)")
        }
        fclose(handle)
        return nil
    }

    /// OpenSSL's reason for the first queued error, the queue cleared.
    private static func openSSLReason() -> String {
        let error = OpenSSLError.lastError(doing: "")
        return error.reason
    }
}
