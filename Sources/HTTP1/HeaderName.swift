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
    public var isHopByHop: Bool {
        switch self {
        case .connection, .keepAlive, .proxyConnection, .proxyAuthenticate, .proxyAuthorization, .te, .trailer,
             .transferEncoding, .upgrade:
            return true
        default:
            return false
        }
    }

    /// Classifies the field name at `name` in `buffer` (ASCII case-insensitive).
    public static func classify(_ buffer: UnsafeRawBufferPointer, _ name: Range<Int>) -> HeaderName {
        func named(_ literal: StaticString) -> Bool { asciiEqualsIgnoringCase(buffer, name, literal) }
        switch name.count {
        case 2: if named("te") { return .te }
        case 4:
            if named("host") { return .host }
            if named("date") { return .date }
        case 6: if named("expect") { return .expect }
        case 7:
            if named("trailer") { return .trailer }
            if named("upgrade") { return .upgrade }
        case 9:
            if named("ratelimit") { return .rateLimitFamily }
            if named("forwarded") { return .forwarded }
            if named("x-real-ip") { return .xRealIP }
        case 10:
            if named("connection") { return .connection }
            if named("keep-alive") { return .keepAlive }
        case 11: if named("x-ratelimit") { return .rateLimitFamily }
        case 12:
            if named("content-type") { return .contentType }
            if named("x-request-id") { return .xRequestID }
        case 13:
            if named("authorization") { return .authorization }
            if named("x-consumer-id") { return .xConsumer }
        case 14: if named("content-length") { return .contentLength }
        case 15:
            if named("x-forwarded-for") { return .xForwardedFor }
            if named("x-consumer-plan") { return .xConsumer }
        case 16:
            if named("content-encoding") { return .contentEncoding }
            if named("proxy-connection") { return .proxyConnection }
            if named("x-forwarded-host") { return .xForwardedHost }
            if named("ratelimit-policy") { return .rateLimitFamily }
        case 17:
            if named("transfer-encoding") { return .transferEncoding }
            if named("x-forwarded-proto") { return .xForwardedProto }
        case 18: if named("proxy-authenticate") { return .proxyAuthenticate }
        case 19: if named("proxy-authorization") { return .proxyAuthorization }
        default: break
        }
        if name.count > 12 && asciiEqualsIgnoringCase(buffer, name.lowerBound..<(name.lowerBound + 12), "x-ratelimit-") {
            return .rateLimitFamily
        }
        return .other
    }

    /// Whether the field name at `name` contains `_`: a look-alike of a hyphenated name (`Content_Length`)
    /// for any upstream that maps `_` and `-` to the same variable (CGI, WSGI).
    @inline(__always)
    public static func containsUnderscore(_ buffer: UnsafeRawBufferPointer, _ name: Range<Int>) -> Bool {
        for i in name where buffer[i] == UInt8(ascii: "_") { return true }
        return false
    }
}
