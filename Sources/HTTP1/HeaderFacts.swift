import Essentials

/// What the parsers learn from the header fields that decide framing and connection reuse,
/// collected field by field so a conflict is reported as soon as the second field arrives.
struct HeaderFacts: Sendable {
    var contentLength: Int?
    var chunked = false
    var connectionClose = false
    var connectionKeepAlive = false
    var expectsContinue = false
    var hostIndex: Int?
    var contentEncodingIndex: Int?

    mutating func reset() { self = HeaderFacts() }

    /// Records one field. `requestRules` selects the request strictness (any second Content-Length is an
    /// error; Host and Expect are tracked) over the response rules (equal duplicates tolerated;
    /// Content-Encoding tracked).
    @inline(__always)
    mutating func record(
        _ field: HeaderField, index: Int, in buffer: UnsafeRawBufferPointer,
        version: HTTPVersion, requestRules: Bool
    ) -> HTTPParseError? {
        let name = field.name
        switch name.count {
        case 4 where requestRules && asciiEqualsIgnoringCase(buffer, name, "host"):
            if hostIndex != nil { return .badRequest("Multiple Host headers") }
            if !isValidHost(buffer, field.value) { return .badRequest("Invalid Host header") }
            hostIndex = index
        case 6 where requestRules && asciiEqualsIgnoringCase(buffer, name, "expect"):
            // An HTTP/1.0 request's expectation is ignored (RFC 9110 §10.1.1).
            if version.minor == 1 && asciiEqualsIgnoringCase(buffer, field.value, "100-continue") {
                expectsContinue = true
            }
        case 10 where asciiEqualsIgnoringCase(buffer, name, "connection"):
            var tokens = CommaSeparatedTokens(buffer: buffer, range: field.value)
            while let token = tokens.next() {
                if asciiEqualsIgnoringCase(buffer, token, "close") {
                    connectionClose = true
                } else if asciiEqualsIgnoringCase(buffer, token, "keep-alive") {
                    connectionKeepAlive = true
                }
            }
        case 14 where asciiEqualsIgnoringCase(buffer, name, "content-length"):
            guard let value = parseContentLength(buffer, field.value) else {
                return .badRequest("Invalid Content-Length header")
            }
            if let previous = contentLength, requestRules || previous != value {
                return .badRequest(
                    requestRules ? "Duplicate Content-Length header" : "Conflicting Content-Length headers")
            }
            if chunked { return .badRequest("Content-Length together with Transfer-Encoding") }
            contentLength = value
        case 16 where !requestRules && asciiEqualsIgnoringCase(buffer, name, "content-encoding"):
            if contentEncodingIndex == nil { contentEncodingIndex = index }
        case 17 where asciiEqualsIgnoringCase(buffer, name, "transfer-encoding"):
            if version.minor == 0 { return .badRequest("Transfer-Encoding in an HTTP/1.0 message") }
            if chunked { return .badRequest("Multiple Transfer-Encoding headers") }
            guard asciiEqualsIgnoringCase(buffer, field.value, "chunked") else {
                return .badRequest("Unsupported Transfer-Encoding (only chunked is accepted)")
            }
            if contentLength != nil { return .badRequest("Content-Length together with Transfer-Encoding") }
            chunked = true
        default:
            break
        }
        return nil
    }

    /// Whether a Host value is `uri-host [":" port]` in its characters: unreserved, pct-encoded, the
    /// sub-delims other than ",", ":" and the brackets of an IP literal. An empty value is allowed
    /// (RFC 9112 §3.2). Rejects lists ("a, b"), userinfo ("u@h"), paths, spaces and obs-text.
    private func isValidHost(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        for i in range where !ASCII.isHostChar(buffer[i]) { return false }
        return true
    }

    /// Whether the connection stays open after this message, before any framing consideration.
    func keepAlive(_ version: HTTPVersion) -> Bool {
        if connectionClose { return false }
        return version.minor >= 1 || connectionKeepAlive
    }
}
