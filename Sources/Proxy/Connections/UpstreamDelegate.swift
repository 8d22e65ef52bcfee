import HTTP1

/// How the owner wants a response body delivered.
enum UpstreamBodyMode {
    /// The body bytes as they came (chunk framing included), for streaming unchanged.
    case raw
    /// Only the data of the body (chunk framing removed).
    case decoded
}

/// Why a try on an upstream connection failed.
enum UpstreamFailure: Equatable {
    case connectFailed(Int32)
    /// The TLS handshake with an `https://` target failed (a verification error among others): OpenSSL's reason.
    case tlsFailed(String)
    case connectTimeout
    case responseTimeout
    /// The connection closed or broke before a whole response head; `anyByte` tells whether
    /// part of a response had arrived.
    case brokenBeforeResponse(anyByte: Bool)
    /// The connection broke after the head, while the body was being delivered.
    case brokenMidBody
    /// The upstream sent something that is not a valid HTTP/1.1 response.
    case invalidResponse(String)
}

/// Receives what happens on an ``UpstreamConnection`` during one exchange.
protocol UpstreamDelegate: AnyObject {
    /// A `103 Early Hints` interim response arrived (`100 Continue` is consumed, any other 1xx fails the try);
    /// `buffer` holds it at offset 0.
    func upstreamDidReceiveEarlyHints(_ head: ResponseHead, buffer: UnsafeRawBufferPointer)
    /// A final (non-1xx) response head arrived; `buffer` holds it at offset 0.
    func upstreamDidReceiveHead(_ head: ResponseHead, buffer: UnsafeRawBufferPointer) -> UpstreamBodyMode
    /// Body bytes; return false to pause reading (back-pressure) until ``UpstreamConnection/resume()``.
    func upstreamDidReceiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// The response is complete; the connection is already back in its pool or closed.
    func upstreamDidFinish()
    /// The try failed; the connection is already closed.
    func upstreamDidFail(_ failure: UpstreamFailure, reused: Bool)
}
