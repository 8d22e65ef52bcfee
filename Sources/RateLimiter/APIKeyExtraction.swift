import Essentials

/// Why a request carries no usable API key.
public enum APIKeyProblem: Error, Sendable, Equatable {
    /// No `Authorization` header (or an empty one).
    case missing
    /// An `Authorization` header with another scheme than `Bearer`.
    case notBearer
    /// `Authorization: Bearer` without a token.
    case emptyToken
    /// A token containing spaces or control characters.
    case malformedToken

    /// The 401 message: what was wrong and what is expected. Never quotes the header's value.
    public var message: String {
        switch self {
        case .missing:
            return "Missing Authorization header: send Authorization: Bearer <api key>"
        case .notBearer:
            return "Unsupported Authorization scheme: send Authorization: Bearer <api key>"
        case .emptyToken:
            return "Missing API key in the Authorization header: send Authorization: Bearer <api key>"
        case .malformedToken:
            return "Malformed API key in the Authorization header (it must not contain spaces): "
                + "send Authorization: Bearer <api key>"
        }
    }
}

/// Reading the identity of `auth`/`rate_limit.key: api_key` from the `Authorization` header.
public enum APIKeyExtraction {
    /// The token of `Authorization: Bearer <token>` (scheme case-insensitive, surrounding spaces and
    /// tabs ignored, the token a non-empty run without spaces or control characters), or the problem.
    public static func bearerToken(fromAuthorization value: Substring?) -> Result<Substring, APIKeyProblem> {
        guard let value else { return .failure(.missing) }
        let utf8 = value.utf8
        guard let first = utf8.firstIndex(where: { !isBlank($0) }) else { return .failure(.missing) }
        let last = utf8.lastIndex(where: { !isBlank($0) })!
        let trimmed = utf8[first...last]
        let schemeEnd = trimmed.firstIndex(where: isBlank) ?? trimmed.endIndex
        let scheme = trimmed[trimmed.startIndex..<schemeEnd]
        guard scheme.count == 6, zip(scheme, "bearer".utf8).allSatisfy({ $0.asciiLowercased == $1 }) else {
            return .failure(.notBearer)
        }
        guard let tokenStart = trimmed[schemeEnd...].firstIndex(where: { !isBlank($0) }) else {
            return .failure(.emptyToken)
        }
        let token = trimmed[tokenStart...]
        if token.contains(where: { $0 < 0x21 || $0 == 0x7f }) { return .failure(.malformedToken) }
        return .success(Substring(token))
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
