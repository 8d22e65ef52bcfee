/// The header names the proxy treats specially, recognised without allocating.
enum HeaderName: Equatable {
    case connection, keepAlive, proxyAuthenticate, proxyAuthorization, te, trailer, transferEncoding, upgrade
    case contentLength, contentType, contentEncoding, expect, host, authorization
    case xForwardedFor, xForwardedProto, xRequestID
    /// `X-RateLimit-*`, `RateLimit`, `RateLimit-Policy`: replaced by sluice's own when it adds them.
    case rateLimitFamily
    case other

    /// Hop-by-hop headers of RFC 9110 §7.6.1 that are never forwarded, either way.
    var isHopByHop: Bool {
        switch self {
        case .connection, .keepAlive, .proxyAuthenticate, .proxyAuthorization, .te, .trailer, .transferEncoding, .upgrade:
            return true
        default:
            return false
        }
    }

    /// Classifies the name at `range` of `buffer`.
    static func classify(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> HeaderName {
        let name = UnsafeRawBufferPointer(rebasing: buffer[range])
        switch name.count {
        case 2: if name.equalsLowercase("te") { return .te }
        case 4: if name.equalsLowercase("host") { return .host }
        case 6: if name.equalsLowercase("expect") { return .expect }
        case 7:
            if name.equalsLowercase("trailer") { return .trailer }
            if name.equalsLowercase("upgrade") { return .upgrade }
        case 9: if name.equalsLowercase("ratelimit") { return .rateLimitFamily }
        case 10:
            if name.equalsLowercase("connection") { return .connection }
            if name.equalsLowercase("keep-alive") { return .keepAlive }
        case 12:
            if name.equalsLowercase("content-type") { return .contentType }
            if name.equalsLowercase("x-request-id") { return .xRequestID }
        case 13: if name.equalsLowercase("authorization") { return .authorization }
        case 14: if name.equalsLowercase("content-length") { return .contentLength }
        case 15: if name.equalsLowercase("x-forwarded-for") { return .xForwardedFor }
        case 16:
            if name.equalsLowercase("content-encoding") { return .contentEncoding }
            if name.equalsLowercase("ratelimit-policy") { return .rateLimitFamily }
        case 17:
            if name.equalsLowercase("transfer-encoding") { return .transferEncoding }
            if name.equalsLowercase("x-forwarded-proto") { return .xForwardedProto }
        case 18:
            if name.equalsLowercase("proxy-authenticate") { return .proxyAuthenticate }
        case 19: if name.equalsLowercase("proxy-authorization") { return .proxyAuthorization }
        default: break
        }
        if name.count > 12 && UnsafeRawBufferPointer(rebasing: name[0..<12]).equalsLowercase("x-ratelimit-") {
            return .rateLimitFamily
        }
        if name.count == 11 && name.equalsLowercase("x-ratelimit") { return .rateLimitFamily }
        return .other
    }
}
