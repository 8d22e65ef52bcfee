import Config
import Engine
import HTTP1

/// The head sluice sends upstream for a client's request (SPEC §4): method and target byte for byte, the fields
/// ``RequestHeaderPolicy`` forwards, a `Host` for an HTTP/1.0 request without one, then sluice's own
/// `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Request-Id`. Framing and body follow once the body is read.
enum UpstreamRequestHead {
    /// What the head's rewriting and admission depend on, from one pass over its fields.
    struct Facts {
        /// The client's `X-Request-Id`, when it is a valid one.
        var clientRequestID: Range<Int>? = nil
        /// The `Authorization` value (the last one, when there are several).
        var authorization: Range<Int>? = nil
        /// More than one `Authorization` field: a singleton (RFC 9110 §11.6.2), since two values could be limited
        /// by one and authenticated upstream by the other.
        var repeatedAuthorization = false

        /// Reads the facts of `head`, whose bytes are `buffer`.
        init(_ head: RequestHead, in buffer: UnsafeRawBufferPointer) {
            for field in head.headers {
                switch HeaderName.classify(buffer, field.name) {
                case .authorization:
                    if authorization != nil { repeatedAuthorization = true }
                    authorization = field.value
                case .xRequestID:
                    if RequestID.isValid(UnsafeRawBufferPointer(rebasing: buffer[field.value])) { clientRequestID = field.value }
                default:
                    break
                }
            }
        }
    }

    /// Appends the upstream head of `head` (bytes in `buffer`) to `out`, without the blank line that ends it.
    /// `defaultHost` is the first target's `host:port`, for an HTTP/1.0 request without `Host` (nginx sends its
    /// `$proxy_host`). `overTLS`: the client came over TLS, so `X-Forwarded-Proto` is `https` (SPEC §11).
    static func write(
        _ head: RequestHead, in buffer: UnsafeRawBufferPointer, policy: RequestHeaderPolicy, peer: SocketAddress,
        peerHost: String, defaultHost: String, overTLS: Bool, requestID: String, to out: inout [UInt8]
    ) {
        out.append(contentsOf: buffer[head.method])
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: buffer[head.target])
        out.append(contentsOf: " HTTP/1.1\r\n".utf8)
        var forwardedFor: [Range<Int>] = []
        let nominations = ConnectionNominations(head.headers, in: buffer)
        let fromTrustedPeer = policy.trusts(IPAddress(peer))
        for field in head.headers {
            switch policy.action(for: field, in: buffer, nominations: nominations, fromTrustedPeer: fromTrustedPeer) {
            case .drop: continue
            case .keepInForwardedFor:
                forwardedFor.append(field.value)
                continue
            case .forward: break
            }
            out.append(contentsOf: buffer[field.name])
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: buffer[field.value])
            out.append(contentsOf: "\r\n".utf8)
        }
        if head.hostIndex == nil {
            // HTTP/1.0 without Host: upstreams speak HTTP/1.1, which needs one.
            out.append(contentsOf: "Host: ".utf8)
            out.append(contentsOf: defaultHost.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "X-Forwarded-For: ".utf8)
        for range in forwardedFor where !range.isEmpty {
            out.append(contentsOf: buffer[range])
            out.append(contentsOf: ", ".utf8)
        }
        out.append(contentsOf: peerHost.utf8)
        out.append(contentsOf: overTLS
            ? "\r\nX-Forwarded-Proto: https\r\nX-Request-Id: ".utf8 : "\r\nX-Forwarded-Proto: http\r\nX-Request-Id: ".utf8)
        out.append(contentsOf: requestID.utf8)
        out.append(contentsOf: "\r\n".utf8)
    }
}
