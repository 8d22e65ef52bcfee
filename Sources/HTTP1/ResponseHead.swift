/// A parsed response head. All ranges are byte offsets into the buffer given to `ResponseHeadParser.parse`.
public struct ResponseHead: Sendable {
    /// HTTP/1.0 or HTTP/1.1.
    public var version: HTTPVersion
    /// The three-digit status code (100–599).
    public var status: Int
    /// The header fields in the order received.
    public var headers: [HeaderField]
    /// Bytes of the head including the final CRLFCRLF; the body starts at this offset.
    public var length: Int
    /// `.none` for HEAD requests, 1xx, 204 and 304; otherwise `.chunked`, `.contentLength(n)` or `.untilClose`.
    public var framing: BodyFraming
    /// Whether the upstream connection may be reused after the body: false for `.untilClose`,
    /// HTTP/1.0 without `Connection: keep-alive`, and any `Connection: close`.
    public var keepAlive: Bool
    /// The index into `headers` of the first `Content-Encoding` field, if any.
    public var contentEncodingIndex: Int?

    /// Creates a head from its parts (the parser builds these; tests and callers may too).
    public init(
        version: HTTPVersion, status: Int, headers: [HeaderField], length: Int, framing: BodyFraming,
        keepAlive: Bool, contentEncodingIndex: Int?
    ) {
        self.version = version
        self.status = status
        self.headers = headers
        self.length = length
        self.framing = framing
        self.keepAlive = keepAlive
        self.contentEncodingIndex = contentEncodingIndex
    }
}
