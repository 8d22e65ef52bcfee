import Essentials

/// Strict, incremental parser of HTTP/1.1 request heads (RFC 9110/9112) working in place over the
/// connection's read buffer.
///
/// Call `parse` with the whole buffer (same start) each time more bytes arrive; the parser remembers how
/// far it scanned and validates every byte as soon as it sees it, so malformed input fails at once.
/// Call `reset()` before parsing the next message (whose buffer starts at the previous head's `length`
/// plus its body).
///
/// Accepted request line: `method SP request-target SP HTTP/1.x CRLF` with single spaces, a tchar method,
/// and a request-target in origin-form (starting with `/`, without a `#fragment`) or `*` for `OPTIONS`.
/// The absolute-form (`GET http://host/ HTTP/1.1`), the authority-form and the `CONNECT` method (in any
/// case, with any target) are rejected: sluice is a reverse proxy, not a forward proxy. Up to four empty
/// lines (CRLF) before the request line are skipped.
///
/// Rejected with `.badRequest(reason)`: bare CR or LF anywhere in the head, obs-fold, whitespace before
/// a colon, empty or non-tchar field names, CTLs (other than HTAB) in values, duplicate or non-numeric
/// Content-Length (also `5, 5`, `+5`, `-1`), Content-Length with Transfer-Encoding, any Transfer-Encoding
/// other than exactly `chunked` or more than one, Transfer-Encoding on HTTP/1.0, a missing Host on
/// HTTP/1.1, more than one Host, versions other than HTTP/1.0 and HTTP/1.1.
public struct RequestHeadParser: Sendable {
    private enum Phase: UInt8 { case leading, leadingLF, method, targetStart, target, version, startLineLF, fields }

    private static let maxLeadingEmptyLines = 4

    private var scan: HeadScan
    private var phase = Phase.leading
    private var leadingEmptyLines = 0
    private var methodStart = 0
    private var methodEnd = 0
    private var targetStart = 0
    private var targetEnd = 0

    /// Creates a parser. `maxHeaderBytes` bounds the whole head (431 beyond), `maxBodyBytes` the declared
    /// Content-Length (413 beyond), `maxHeaderCount` the number of fields (431 beyond).
    public init(maxHeaderBytes: Int, maxBodyBytes: Int, maxHeaderCount: Int = 100) {
        scan = HeadScan(
            maxHeaderBytes: maxHeaderBytes, maxHeaderCount: maxHeaderCount, maxContentLength: maxBodyBytes,
            requestRules: true)
    }

    /// Forgets the current message so the parser can start on the next one. Keeps allocated capacity.
    public mutating func reset() {
        scan.reset()
        phase = .leading
        leadingEmptyLines = 0
    }

    /// Parses as much of the head as `buffer` holds. Offsets in the result refer to `buffer`.
    public mutating func parse(_ buffer: UnsafeRawBufferPointer) -> HeadParseResult<RequestHead> {
        let startLineError = scan.canScan && phase != .fields ? scanRequestLine(buffer, scan.end(of: buffer)) : nil
        switch scan.scanFields(buffer, startLineDone: phase == .fields, startLineError: startLineError) {
        case .incomplete: return .incomplete
        case .failed(let error): return .failed(error)
        case .complete: return finish(buffer)
        }
    }

    private mutating func finish(_ buffer: UnsafeRawBufferPointer) -> HeadParseResult<RequestHead> {
        let version = scan.version.version
        let facts = scan.section.facts
        if version.minor == 1 && facts.hostIndex == nil {
            return .failed(scan.fail(.badRequest("Missing Host header")))
        }
        let framing: BodyFraming
        if facts.chunked {
            framing = .chunked
        } else if let length = facts.contentLength {
            framing = .contentLength(length)
        } else {
            framing = .none
        }
        let head = RequestHead(
            method: methodStart..<methodEnd, target: targetStart..<targetEnd, version: version,
            headers: scan.section.takeHeaders(), length: scan.pos, framing: framing,
            keepAlive: facts.keepAlive(version),
            isHEAD: bytesEqual(buffer, methodStart..<methodEnd, "HEAD"),
            expectsContinue: facts.expectsContinue, hostIndex: facts.hostIndex)
        return .complete(head)
    }

    /// Scans the request line up to its CRLF; returns an error, or nil when it needs more bytes or is done.
    private mutating func scanRequestLine(_ buffer: UnsafeRawBufferPointer, _ end: Int) -> HTTPParseError? {
        while scan.pos < end {
            let b = buffer[scan.pos]
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
                    methodStart = scan.pos
                    phase = .method
                    continue
                }
            case .leadingLF:
                guard b == ASCII.lf else { return .badRequest("Bare CR before the request line") }
                phase = .leading
            case .method:
                while scan.pos < end && ASCII.isTchar(buffer[scan.pos]) { scan.pos += 1 }
                if scan.pos == end { return nil }
                guard buffer[scan.pos] == ASCII.sp, scan.pos > methodStart else {
                    return .badRequest("Invalid request line (method)")
                }
                methodEnd = scan.pos
                // In any case and any target form: a tunnel is never opened, nor a CONNECT forwarded.
                if asciiEqualsIgnoringCase(buffer, methodStart..<methodEnd, "connect") {
                    return .badRequest("CONNECT is not supported (sluice is a reverse proxy)")
                }
                phase = .targetStart
            case .targetStart:
                guard b == ASCII.slash || b == ASCII.asterisk else {
                    return .badRequest("Invalid request target (only origin-form is accepted)")
                }
                targetStart = scan.pos
                phase = .target
            case .target:
                while scan.pos &+ 8 <= end
                    && !SWAR.mayStopTarget(buffer.loadUnaligned(fromByteOffset: scan.pos, as: UInt64.self))
                {
                    scan.pos &+= 8
                }
                while scan.pos < end && (buffer[scan.pos] &- 0x21) < 0x5E && buffer[scan.pos] != ASCII.hash { scan.pos += 1 }
                if scan.pos == end { return nil }
                if buffer[scan.pos] == ASCII.hash {
                    return .badRequest("Fragment (#) in request target (a client never sends one)")
                }
                guard buffer[scan.pos] == ASCII.sp else { return .badRequest("Invalid character in request target") }
                targetEnd = scan.pos
                if buffer[targetStart] == ASCII.asterisk
                    && (targetEnd - targetStart != 1 || !bytesEqual(buffer, methodStart..<methodEnd, "OPTIONS"))
                {
                    return .badRequest("Invalid request target (* is only valid for OPTIONS)")
                }
                phase = .version
            case .version:
                switch scan.scanVersion(buffer, end, then: ASCII.cr, otherwise: "Invalid request line (after version)") {
                case .consumed: continue
                case .terminated:
                    phase = .startLineLF
                    continue
                case .failed(let error): return error
                }
            case .startLineLF:
                guard b == ASCII.lf else { return .badRequest("Bare CR in request line") }
                scan.pos += 1
                phase = .fields
                return nil
            case .fields:
                return nil
            }
            scan.pos += 1
        }
        return nil
    }
}
