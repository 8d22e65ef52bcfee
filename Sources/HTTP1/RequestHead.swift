/// A parsed request head. All ranges are byte offsets into the buffer given to `RequestHeadParser.parse`.
public struct RequestHead: Sendable {
    /// The method token (tchar+), e.g. `GET`, `PATCH`, `OPTIONS`.
    public var method: Range<Int>
    /// The request target in origin-form (starts with `/`), or exactly `*` for `OPTIONS`.
    public var target: Range<Int>
    /// HTTP/1.0 or HTTP/1.1.
    public var version: HTTPVersion
    /// The header fields in the order received.
    public var headers: [HeaderField]
    /// Bytes of the head including the final CRLFCRLF and any leading CRLFs that were skipped;
    /// the body (or the next pipelined request) starts at this offset.
    public var length: Int
    /// `.none`, `.contentLength(n)` (n may be 0) or `.chunked`; requests never use `.untilClose`.
    public var framing: BodyFraming
    /// Whether the connection may be reused after this exchange, from the version and `Connection`.
    public var keepAlive: Bool
    /// Whether the method is exactly `HEAD`.
    public var isHEAD: Bool
    /// Whether the request carries `Expect: 100-continue`.
    public var expectsContinue: Bool
    /// The index into `headers` of the `Host` field, if any (always set for HTTP/1.1).
    public var hostIndex: Int?

    /// Creates a head from its parts (the parser builds these; tests and callers may too).
    public init(
        method: Range<Int>, target: Range<Int>, version: HTTPVersion, headers: [HeaderField], length: Int,
        framing: BodyFraming, keepAlive: Bool, isHEAD: Bool, expectsContinue: Bool, hostIndex: Int?
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.length = length
        self.framing = framing
        self.keepAlive = keepAlive
        self.isHEAD = isHEAD
        self.expectsContinue = expectsContinue
        self.hostIndex = hostIndex
    }
}
