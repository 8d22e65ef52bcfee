/// The errors sluice makes itself (SPEC §7): status, code and default message in one table.
public enum ProxyError: Sendable, CaseIterable {
    /// 401: no `Authorization: Bearer <key>`.
    case missingAuthorization
    /// 401: the key is not in the keys file, or lacks `auth.key_prefix` ("Invalid API key format").
    case invalidAPIKey
    /// 401: the key is marked revoked in the keys file.
    case apiKeyRevoked
    /// 401: the key is past its `expires`.
    case apiKeyExpired
    /// 403: the first matching `auth.scopes` rule names a scope the key lacks.
    case insufficientScope
    /// 429: a rate-limit bucket is empty.
    case rateLimitExceeded
    /// 413: the request body is over `server.max_body_bytes`.
    case payloadTooLarge
    /// 431: the request head is over `server.max_header_bytes`.
    case headersTooLarge
    /// 400: the request could not be parsed.
    case badRequest
    /// 408: the client was too slow.
    case requestTimeout
    /// 502: the upstream could not be reached or the connection broke.
    case upstreamUnavailable
    /// 504: the upstream timed out.
    case upstreamTimeout
    /// 503: no healthy upstream, or the rate-limit store failed with `on_failure: deny`.
    case serviceUnavailable

    private var row: (status: Int, code: String, message: String) {
        switch self {
        case .missingAuthorization: (401, "MISSING_AUTHORIZATION", "Authorization header with a Bearer API key is required")
        case .invalidAPIKey: (401, "INVALID_API_KEY", "Invalid API key")
        case .apiKeyRevoked: (401, "API_KEY_REVOKED", "API key has been revoked")
        case .apiKeyExpired: (401, "API_KEY_EXPIRED", "API key has expired")
        case .insufficientScope: (403, "INSUFFICIENT_SCOPE", "Insufficient scope")
        case .rateLimitExceeded: (429, "RATE_LIMIT_EXCEEDED", "Rate limit exceeded")
        case .payloadTooLarge: (413, "PAYLOAD_TOO_LARGE", "The request body is too large")
        case .headersTooLarge: (431, "HEADERS_TOO_LARGE", "The request headers are too large")
        case .badRequest: (400, "BAD_REQUEST", "The request could not be parsed")
        case .requestTimeout: (408, "REQUEST_TIMEOUT", "The request was not received in time")
        case .upstreamUnavailable: (502, "UPSTREAM_UNAVAILABLE", "The upstream service is unavailable")
        case .upstreamTimeout: (504, "UPSTREAM_TIMEOUT", "The upstream service did not respond in time")
        case .serviceUnavailable: (503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable")
        }
    }

    /// The HTTP status.
    public var status: Int { row.status }
    /// The envelope code.
    public var code: String { row.code }
    /// The message used when the caller gives none.
    public var defaultMessage: String { row.message }

    /// The envelope for this error; `message` defaults to `defaultMessage`.
    public func envelope(message: String? = nil, details: JSONValue? = nil, requestID: String, now unixSeconds: Int64) -> ErrorEnvelope {
        ErrorEnvelope(code: code, message: message ?? defaultMessage, details: details, requestID: requestID, now: unixSeconds)
    }
}
