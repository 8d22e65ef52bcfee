/// Strict, incremental parser of HTTP/1.1 request heads (RFC 9110/9112) working in place over the
/// connection's read buffer.
///
/// Call `parse` with the whole buffer (same start) each time more bytes arrive; the parser remembers how
/// far it scanned and validates every byte as soon as it sees it, so malformed input fails at once.
/// Call `reset()` before parsing the next message (whose buffer starts at the previous head's `length`
/// plus its body).
///
/// Accepted request line: `method SP request-target SP HTTP/1.x CRLF` with single spaces, a tchar method,
/// and a request-target in origin-form (starting with `/`) or `*` for `OPTIONS`. The absolute-form
/// (`GET http://host/ HTTP/1.1`) and authority-form (`CONNECT`) are rejected: sluice is a reverse
/// proxy, not a forward proxy. Up to four empty lines (CRLF) before the request line are skipped.
///
/// Rejected with `.badRequest(reason)`: bare CR or LF anywhere in the head, obs-fold, whitespace before
/// a colon, empty or non-tchar field names, CTLs (other than HTAB) in values, duplicate or non-numeric
/// Content-Length (also `5, 5`, `+5`, `-1`), Content-Length with Transfer-Encoding, any Transfer-Encoding
/// other than exactly `chunked` or more than one, Transfer-Encoding on HTTP/1.0, a missing Host on
/// HTTP/1.1, more than one Host, versions other than HTTP/1.0 and HTTP/1.1.
public struct RequestHeadParser: Sendable {
    private enum Phase: UInt8 { case leading, leadingLF, method, targetStart, target, version, startLineLF, fields }

    private static let maxLeadingEmptyLines = 4

    private let maxHeaderBytes: Int
    private let maxBodyBytes: Int
    private let maxHeaderCount: Int

    private var phase = Phase.leading
    private var pos = 0
    private var leadingEmptyLines = 0
    private var methodStart = 0
    private var methodEnd = 0
    private var targetStart = 0
    private var targetEnd = 0
    private var versionMatcher = VersionMatcher()
    private var section = FieldSection()
    private var failure: HTTPParseError?

    /// Creates a parser. `maxHeaderBytes` bounds the whole head (431 beyond), `maxBodyBytes` the declared
    /// Content-Length (413 beyond), `maxHeaderCount` the number of fields (431 beyond).
    public init(maxHeaderBytes: Int, maxBodyBytes: Int, maxHeaderCount: Int = 100) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderCount = maxHeaderCount
    }

    /// Forgets the current message so the parser can start on the next one. Keeps allocated capacity.
    public mutating func reset() {
        phase = .leading
        pos = 0
        leadingEmptyLines = 0
        versionMatcher = VersionMatcher()
        section.reset()
        failure = nil
    }

    /// Parses as much of the head as `buffer` holds. Offsets in the result refer to `buffer`.
    public mutating func parse(_ buffer: UnsafeRawBufferPointer) -> HeadParseResult<RequestHead> {
        if let failure { return .failed(failure) }
        let end = Swift.min(buffer.count, maxHeaderBytes)
        if phase != .fields, let error = scanRequestLine(buffer, end) { return fail(error) }
        if phase == .fields {
            switch section.collect(
                buffer, &pos, end, version: versionMatcher.version, requestRules: true,
                maxHeaderCount: maxHeaderCount, maxContentLength: maxBodyBytes)
            {
            case .needMore: break
            case .failed(let error): return fail(error)
            case .complete: return finish(buffer)
            }
        }
        return buffer.count >= maxHeaderBytes ? fail(.headersTooLarge) : .incomplete
    }

    private mutating func fail(_ error: HTTPParseError) -> HeadParseResult<RequestHead> {
        failure = error
        return .failed(error)
    }

    private mutating func finish(_ buffer: UnsafeRawBufferPointer) -> HeadParseResult<RequestHead> {
        let version = versionMatcher.version
        if version.minor == 1 && section.facts.hostIndex == nil { return fail(.badRequest("Missing Host header")) }
        let framing: BodyFraming
        if section.facts.chunked {
            framing = .chunked
        } else if let length = section.facts.contentLength {
            framing = .contentLength(length)
        } else {
            framing = .none
        }
        let head = RequestHead(
            method: methodStart..<methodEnd, target: targetStart..<targetEnd, version: version,
            headers: section.takeHeaders(), length: pos, framing: framing, keepAlive: section.facts.keepAlive(version),
            isHEAD: bytesEqual(buffer, methodStart..<methodEnd, "HEAD"),
            expectsContinue: section.facts.expectsContinue, hostIndex: section.facts.hostIndex)
        failure = .badRequest("Parser used again without reset()")
        return .complete(head)
    }

    /// Scans the request line up to its CRLF; returns an error, or nil when it needs more bytes or is done.
    private mutating func scanRequestLine(_ buffer: UnsafeRawBufferPointer, _ end: Int) -> HTTPParseError? {
        while pos < end {
            let b = buffer[pos]
            switch phase {
            case .leading:
                if b == ASCII.cr {
                    leadingEmptyLines += 1
                    if leadingEmptyLines > RequestHeadParser.maxLeadingEmptyLines {
                        return .badRequest("Too many empty lines before the request line")
                    }
                    phase = .leadingLF
                } else if b == ASCII.lf {
                    return .badRequest("Bare LF before the request line")
                } else {
                    methodStart = pos
                    phase = .method
                    continue
                }
            case .leadingLF:
                guard b == ASCII.lf else { return .badRequest("Bare CR before the request line") }
                phase = .leading
            case .method:
                while pos < end && ASCII.isTchar(buffer[pos]) { pos += 1 }
                if pos == end { return nil }
                guard buffer[pos] == ASCII.sp, pos > methodStart else {
                    return .badRequest("Invalid request line (method)")
                }
                methodEnd = pos
                phase = .targetStart
            case .targetStart:
                guard b == ASCII.slash || b == ASCII.asterisk else {
                    return .badRequest("Invalid request target (only origin-form is accepted)")
                }
                targetStart = pos
                phase = .target
            case .target:
                while pos &+ 8 <= end && !SWAR.mayStopTarget(buffer.loadUnaligned(fromByteOffset: pos, as: UInt64.self)) {
                    pos &+= 8
                }
                while pos < end && (buffer[pos] &- 0x21) < 0x5E { pos += 1 }
                if pos == end { return nil }
                guard buffer[pos] == ASCII.sp else { return .badRequest("Invalid character in request target") }
                targetEnd = pos
                if buffer[targetStart] == ASCII.asterisk
                    && (targetEnd - targetStart != 1 || !bytesEqual(buffer, methodStart..<methodEnd, "OPTIONS"))
                {
                    return .badRequest("Invalid request target (* is only valid for OPTIONS)")
                }
                phase = .version
            case .version:
                if pos &+ 8 <= end && versionMatcher.matchWord(buffer.loadUnaligned(fromByteOffset: pos, as: UInt64.self)) {
                    pos &+= 8
                    continue
                }
                if versionMatcher.index == 8 {
                    guard b == ASCII.cr else { return .badRequest("Invalid request line (after version)") }
                    phase = .startLineLF
                } else if case .failed(let error) = versionMatcher.step(b) {
                    return error
                }
            case .startLineLF:
                guard b == ASCII.lf else { return .badRequest("Bare CR in request line") }
                pos += 1
                phase = .fields
                return nil
            case .fields:
                return nil
            }
            pos += 1
        }
        return nil
    }
}
