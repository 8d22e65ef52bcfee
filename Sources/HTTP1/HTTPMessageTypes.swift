/// The HTTP version of a message. sluice accepts only HTTP/1.0 and HTTP/1.1.
public struct HTTPVersion: Sendable, Equatable {
    /// The major version digit (always 1 for accepted messages).
    public var major: UInt8
    /// The minor version digit (0 or 1 for accepted messages).
    public var minor: UInt8

    /// Creates a version from its two digits.
    public init(major: UInt8, minor: UInt8) {
        self.major = major
        self.minor = minor
    }

    /// HTTP/1.0.
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    /// HTTP/1.1.
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)
}

/// One header field of a parsed head, as byte offsets into the buffer that was given to `parse`.
public struct HeaderField: Sendable, Equatable {
    /// The field name (never empty, only tchar bytes).
    public var name: Range<Int>
    /// The field value with leading and trailing optional whitespace (SP, HTAB) removed; may be empty.
    public var value: Range<Int>

    /// Creates a field from its name and value ranges.
    public init(name: Range<Int>, value: Range<Int>) {
        self.name = name
        self.value = value
    }
}

/// How the body of a message is delimited (RFC 9112 §6.3).
public enum BodyFraming: Sendable, Equatable {
    /// No body follows the head.
    case none
    /// Exactly this many body bytes follow (may be 0 when the head declared `Content-Length: 0`).
    case contentLength(Int)
    /// A chunked body follows; decode it with `ChunkedDecoder`.
    case chunked
    /// The body runs until the peer closes the connection (responses only).
    case untilClose
}

/// Why a head or body was rejected.
public enum HTTPParseError: Error, Sendable, Equatable {
    /// The message is malformed or ambiguous; the reason is a short human sentence for the error envelope,
    /// e.g. "Duplicate Content-Length header". For requests answer 400, for upstream responses 502.
    case badRequest(String)
    /// The head did not complete within `maxHeaderBytes`, or had more than `maxHeaderCount` fields (431).
    case headersTooLarge
    /// The declared Content-Length exceeds `maxBodyBytes` (413), detected in the head before any body byte.
    case payloadTooLarge
}

/// The outcome of feeding bytes to a head parser.
public enum HeadParseResult<Head: Sendable>: Sendable {
    /// More bytes are needed; call `parse` again with the whole buffer once they arrive.
    case incomplete
    /// The head is complete; its `length` says where the body (or the next message) starts.
    case complete(Head)
    /// The head is invalid; the connection must not be used for further messages.
    case failed(HTTPParseError)
}
