internal import COpenSSL
import Glibc

/// One TLS connection over a non-blocking socket (an OpenSSL `SSL` on the descriptor): handshake, read,
/// write and close_notify, each returning at once with what it needs next. It never waits and knows
/// nothing of event loops: a caller maps ``TLSIO/wantRead`` and ``TLSIO/wantWrite`` onto the readiness it
/// watches (as nginx's `ngx_event_openssl.c` does). Confined to the thread that made it.
public final class TLSSession {
    private let ssl: OpaquePointer
    /// A fatal error happened: no close_notify may be sent.
    private var broken = false
    private var shutDown = false

    /// A server session for an accepted socket, under the listener's current context.
    public init(server context: TLSServerContext, fd: Int32) throws(OpenSSLError) {
        guard let ssl = SSL_new(context.context) else { throw OpenSSLError.lastError(doing: "SSL_new") }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        SSL_set_accept_state(ssl)
    }

    /// A client session for a connected socket: `serverName` is sent as SNI (unless it is an IP address,
    /// RFC 6066 §3) and, when the context verifies, checked against the certificate (SAN DNS or IP entries).
    public init(client context: TLSClientContext, fd: Int32, serverName: String) throws(OpenSSLError) {
        guard let ssl = SSL_new(context.context) else { throw OpenSSLError.lastError(doing: "SSL_new") }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        SSL_set_connect_state(ssl)
        _ = sluice_ssl_offer_http11(ssl)
        if !TLSSession.isIPAddress(serverName) { _ = sluice_ssl_set_server_name(ssl, serverName) }
        if context.verifies && SSL_set1_host(ssl, serverName) != 1 {
            throw OpenSSLError.lastError(doing: "SSL_set1_host")
        }
    }

    deinit { SSL_free(ssl) }

    /// Offers a session an earlier connection to the same peer established, to be resumed (abbreviated handshake);
    /// call before the handshake. A peer that does not accept it makes a full handshake.
    public func offer(_ saved: TLSSavedSession) {
        _ = SSL_set_session(ssl, saved.session)
    }

    /// The session as it can be resumed by a later connection, once the handshake is done (TLS 1.3 sends its
    /// tickets after the handshake: read a response first); nil when there is none to resume.
    public func savedSession() -> TLSSavedSession? {
        guard let session = SSL_get1_session(ssl) else { return nil }
        guard SSL_SESSION_is_resumable(session) == 1 else {
            SSL_SESSION_free(session)
            return nil
        }
        return TLSSavedSession(session)
    }

    /// Advances the handshake.
    public func handshake() -> TLSHandshakeStep {
        ERR_clear_error()
        let status = SSL_do_handshake(ssl)
        if status == 1 { return .done }
        switch outcome(of: status) {
        case .wantRead: return .wantRead
        case .wantWrite: return .wantWrite
        case .closed: return .failed("the peer closed during the handshake")
        case .failed(let reason): return .failed(reason)
        case .bytes: return .done
        }
    }

    /// Decrypts into `buffer`: at most one record's worth per call.
    @inline(__always)
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> TLSIO {
        ERR_clear_error()
        let n = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        return n > 0 ? .bytes(Int(n)) : outcome(of: n)
    }

    /// Encrypts and sends from `buffer`; may take part of it. A retry after ``TLSIO/wantWrite`` must offer at
    /// least the bytes offered before, starting with the same ones.
    @inline(__always)
    public func write(from buffer: UnsafeRawBufferPointer) -> TLSIO {
        ERR_clear_error()
        let n = SSL_write(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        return n > 0 ? .bytes(Int(n)) : outcome(of: n)
    }

    /// Sends close_notify once, without waiting for the peer's (a fatal error skips it).
    public func shutdown() {
        guard !broken, !shutDown, SSL_is_init_finished(ssl) == 1 else { return }
        shutDown = true
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// The protocol ALPN agreed on (`http/1.1`), nil when none was.
    public var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>? = nil
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// `TLSv1.2` or `TLSv1.3`.
    public var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    /// Whether the handshake resumed an earlier session (ticket or session id).
    public var isResumed: Bool { SSL_session_reused(ssl) == 1 }

    private func outcome(of status: Int32) -> TLSIO {
        let code = SSL_get_error(ssl, status)
        switch code {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            broken = true
            let errorNumber = errno
            if ERR_peek_error() == 0 {
                return status == 0 || errorNumber == 0 ? .closed : .failed(String(cString: strerror(errorNumber)))
            }
            return .failed(OpenSSLError.lastError(doing: "").reason)
        default:
            broken = true
            let verify = SSL_get_verify_result(ssl)
            if verify != Int(X509_V_OK) {
                ERR_clear_error()
                return .failed("certificate verify failed: \(String(cString: X509_verify_cert_error_string(verify)))")
            }
            return .failed(OpenSSLError.lastError(doing: "").reason)
        }
    }

    private static func isIPAddress(_ host: String) -> Bool {
        var scratch = in6_addr()
        return inet_pton(AF_INET, host, &scratch) == 1 || inet_pton(AF_INET6, host, &scratch) == 1
    }
}

/// A client session kept for resumption (an `SSL_SESSION`, reference-counted by OpenSSL and immutable once made).
public final class TLSSavedSession: @unchecked Sendable {
    let session: OpaquePointer

    init(_ session: OpaquePointer) {
        self.session = session
    }

    deinit { SSL_SESSION_free(session) }
}

/// What a handshake step came to.
public enum TLSHandshakeStep: Equatable {
    /// The session is established.
    case done
    /// Call again once the socket is readable.
    case wantRead
    /// Call again once the socket is writable.
    case wantWrite
    /// The handshake failed (OpenSSL's reason, or the certificate verification error).
    case failed(String)
}

/// What a read or write on an established session came to.
public enum TLSIO: Equatable {
    /// This many bytes were decrypted or taken (more than zero).
    case bytes(Int)
    /// Retry once the socket is readable.
    case wantRead
    /// Retry once the socket is writable.
    case wantWrite
    /// The peer closed the session (close_notify, or end of stream).
    case closed
    /// A fatal error (OpenSSL's reason).
    case failed(String)
}
