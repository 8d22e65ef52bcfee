import Essentials

/// The header field names sluice treats specially, recognised by length and bytes without allocating.
///
/// This is the one classification of field names: the proxy's request and response rewriting both
/// use it, and `isHopByHop` is the one list of hop-by-hop fields.
public enum HeaderName: Equatable, Sendable {
    /// Hop-by-hop fields (see `isHopByHop`).
    case connection, keepAlive, proxyConnection, proxyAuthenticate, proxyAuthorization, te, trailer
    case transferEncoding, upgrade
    /// Framing, content and routing fields.
    case contentLength, contentType, contentEncoding, date, expect, host, authorization
    /// Fields by which a proxy tells the next hop who the client is: `Forwarded` (RFC 7239),
    /// `X-Forwarded-For`, `X-Forwarded-Host`, `X-Forwarded-Proto` and `X-Real-IP`.
    case forwarded, xForwardedFor, xForwardedHost, xForwardedProto, xRealIP
    /// `X-Request-Id`.
    case xRequestID
    /// `X-Consumer-Id` and `X-Consumer-Plan`: the API consumer a gateway authenticated (Kong's convention).
    case xConsumer
    /// `X-RateLimit-*`, `X-RateLimit`, `RateLimit`, `RateLimit-Policy`.
    case rateLimitFamily
    /// Any other name.
    case other

    /// Whether the field is hop-by-hop and never forwarded, either way (RFC 9110 §7.6.1): `Connection`,
    /// `Keep-Alive`, `Proxy-Connection`, `Proxy-Authenticate`, `Proxy-Authorization`, `TE`, `Trailer`,
    /// `Transfer-Encoding`, `Upgrade`. Fields named in `Connection` are hop-by-hop too: see
    /// `ConnectionNominations`.
    @inlinable
    public var isHopByHop: Bool {
        switch self {
        case .connection, .keepAlive, .proxyConnection, .proxyAuthenticate, .proxyAuthorization, .te, .trailer,
             .transferEncoding, .upgrade:
            return true
        default:
            return false
        }
    }

    /// Classifies the field name at `name` in `buffer` (ASCII case-insensitive): by length, then by the
    /// first byte, then one comparison. Inlinable, so that the proxy's per-field calls are specialised
    /// where they are made.
    @inlinable
    public static func classify(_ buffer: UnsafeRawBufferPointer, _ name: Range<Int>) -> HeaderName {
        guard !name.isEmpty else { return .other }
        func named(_ literal: StaticString) -> Bool { asciiEqualsIgnoringCase(buffer, name, literal) }
        // Folding with 0x20 may also map a non-letter onto a letter; the full comparison decides.
        let first = buffer[name.lowerBound] | 0x20
        let x = UInt8(ascii: "x")
        switch (name.count, first) {
        case (2, UInt8(ascii: "t")): if named("te") { return .te }
        case (4, UInt8(ascii: "h")): if named("host") { return .host }
        case (4, UInt8(ascii: "d")): if named("date") { return .date }
        case (6, UInt8(ascii: "e")): if named("expect") { return .expect }
        case (7, UInt8(ascii: "t")): if named("trailer") { return .trailer }
        case (7, UInt8(ascii: "u")): if named("upgrade") { return .upgrade }
        case (9, UInt8(ascii: "r")): if named("ratelimit") { return .rateLimitFamily }
        case (9, UInt8(ascii: "f")): if named("forwarded") { return .forwarded }
        case (9, x): if named("x-real-ip") { return .xRealIP }
        case (10, UInt8(ascii: "c")): if named("connection") { return .connection }
        case (10, UInt8(ascii: "k")): if named("keep-alive") { return .keepAlive }
        case (11, x): if named("x-ratelimit") { return .rateLimitFamily }
        case (12, UInt8(ascii: "c")): if named("content-type") { return .contentType }
        case (12, x): if named("x-request-id") { return .xRequestID }
        case (13, UInt8(ascii: "a")): if named("authorization") { return .authorization }
        case (13, x): if named("x-consumer-id") { return .xConsumer }
        case (14, UInt8(ascii: "c")): if named("content-length") { return .contentLength }
        case (15, x):
            if named("x-forwarded-for") { return .xForwardedFor }
            if named("x-consumer-plan") { return .xConsumer }
        case (16, UInt8(ascii: "c")): if named("content-encoding") { return .contentEncoding }
        case (16, UInt8(ascii: "p")): if named("proxy-connection") { return .proxyConnection }
        case (16, x): if named("x-forwarded-host") { return .xForwardedHost }
        case (16, UInt8(ascii: "r")): if named("ratelimit-policy") { return .rateLimitFamily }
        case (17, UInt8(ascii: "t")): if named("transfer-encoding") { return .transferEncoding }
        case (17, x): if named("x-forwarded-proto") { return .xForwardedProto }
        case (18, UInt8(ascii: "p")): if named("proxy-authenticate") { return .proxyAuthenticate }
        case (19, UInt8(ascii: "p")): if named("proxy-authorization") { return .proxyAuthorization }
        default: break
        }
        if name.count > 12 && first == x
            && asciiEqualsIgnoringCase(buffer, name.lowerBound..<(name.lowerBound + 12), "x-ratelimit-")
        {
            return .rateLimitFamily
        }
        return .other
    }

    /// Whether the field name at `name` contains `_`: a look-alike of a hyphenated name (`Content_Length`)
    /// for any upstream that maps `_` and `-` to the same variable (CGI, WSGI).
    @inlinable
    public static func containsUnderscore(_ buffer: UnsafeRawBufferPointer, _ name: Range<Int>) -> Bool {
        for i in name where buffer[i] == UInt8(ascii: "_") { return true }
        return false
    }
}
