internal import COpenSSL

/// A failed OpenSSL call: which one, and OpenSSL's own reason from its error queue.
public struct OpenSSLError: Error, Sendable, CustomStringConvertible {
    /// The OpenSSL function that failed, e.g. `RAND_bytes`.
    public let function: String
    /// OpenSSL's text for the first queued error (e.g. `error:12000090:random number generator::unable to
    /// fetch drbg`), or "no error queued".
    public let reason: String

    public var description: String { "\(function) failed: \(reason)" }

    /// The error for `function`, taking (and clearing) OpenSSL's error queue of this thread.
    static func lastError(doing function: String) -> OpenSSLError {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return OpenSSLError(function: function, reason: "no error queued") }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        let reason = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return OpenSSLError(function: function, reason: reason)
    }
}
