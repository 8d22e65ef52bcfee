/// Strict, incremental parser of HTTP/1.1 response heads from upstreams (RFC 9110/9112), in place over
/// the upstream connection's read buffer.
///
/// Call `parse` with the whole buffer (same start) each time more bytes arrive; `reset()` before the next
/// response (also after a 1xx interim response, whose `length` is where the next head starts).
///
/// Status line: `HTTP/1.x SP 3DIGIT SP reason CRLF`; the reason may be empty, and the space before an
/// empty reason may be missing (`HTTP/1.1 204\r\n`), which common servers send. Status codes 100–599.
/// Header fields get the same byte strictness as requests. Content-Length with Transfer-Encoding,
/// differing duplicate Content-Lengths, a Transfer-Encoding other than exactly `chunked` (or on HTTP/1.0)
/// fail with `.badRequest(reason)`; the proxy answers those with 502.
public struct ResponseHeadParser: Sendable {
    private enum Phase: UInt8 { case version, status, reason, startLineLF, fields }

    private let maxHeaderBytes: Int
    private let maxHeaderCount: Int

    private var phase = Phase.version
    private var pos = 0
    private var status = 0
    private var statusDigits = 0
    private var versionMatcher = VersionMatcher()
    private var section = FieldSection()
    private var failure: HTTPParseError?

    /// Creates a parser; a head longer than `maxHeaderBytes` or with more than `maxHeaderCount` fields
    /// fails with `.headersTooLarge`.
    public init(maxHeaderBytes: Int, maxHeaderCount: Int = 100) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
    }

    /// Forgets the current response so the parser can start on the next one. Keeps allocated capacity.
    public mutating func reset() {
        phase = .version
        pos = 0
        status = 0
        statusDigits = 0
        versionMatcher = VersionMatcher()
        section.reset()
        failure = nil
    }

    /// Parses as much of the head as `buffer` holds. `requestWasHEAD` makes the framing `.none`.
    public mutating func parse(_ buffer: UnsafeRawBufferPointer, requestWasHEAD: Bool) -> HeadParseResult<ResponseHead> {
        if let failure { return .failed(failure) }
        let end = Swift.min(buffer.count, maxHeaderBytes)
        if phase != .fields, let error = scanStatusLine(buffer, end) { return fail(error) }
        if phase == .fields {
            switch section.collect(
                buffer, &pos, end, version: versionMatcher.version, requestRules: false,
                maxHeaderCount: maxHeaderCount, maxContentLength: Int.max)
            {
            case .needMore: break
            case .failed(let error): return fail(error)
            case .complete: return finish(requestWasHEAD: requestWasHEAD)
            }
        }
        return buffer.count >= maxHeaderBytes ? fail(.headersTooLarge) : .incomplete
    }

    private mutating func fail(_ error: HTTPParseError) -> HeadParseResult<ResponseHead> {
        failure = error
        return .failed(error)
    }

    private mutating func finish(requestWasHEAD: Bool) -> HeadParseResult<ResponseHead> {
        let version = versionMatcher.version
        let framing: BodyFraming
        if requestWasHEAD || status < 200 || status == 204 || status == 304 {
            framing = .none
        } else if section.facts.chunked {
            framing = .chunked
        } else if let length = section.facts.contentLength {
            framing = .contentLength(length)
        } else {
            framing = .untilClose
        }
        let head = ResponseHead(
            version: version, status: status, headers: section.takeHeaders(), length: pos, framing: framing,
            keepAlive: framing != .untilClose && section.facts.keepAlive(version),
            contentEncodingIndex: section.facts.contentEncodingIndex)
        failure = .badRequest("Parser used again without reset()")
        return .complete(head)
    }

    /// Scans the status line up to its CRLF; returns an error, or nil when it needs more bytes or is done.
    private mutating func scanStatusLine(_ buffer: UnsafeRawBufferPointer, _ end: Int) -> HTTPParseError? {
        while pos < end {
            let b = buffer[pos]
            switch phase {
            case .version:
                if pos &+ 8 <= end && versionMatcher.matchWord(buffer.loadUnaligned(fromByteOffset: pos, as: UInt64.self)) {
                    pos &+= 8
                    continue
                }
                if versionMatcher.index == 8 {
                    guard b == ASCII.sp else { return .badRequest("Invalid status line (after version)") }
                    phase = .status
                } else if case .failed(let error) = versionMatcher.step(b) {
                    return error
                }
            case .status:
                if statusDigits < 3 {
                    let digit = b &- 0x30
                    guard digit < 10 else { return .badRequest("Invalid status code") }
                    status = status * 10 + Int(digit)
                    statusDigits += 1
                    if statusDigits == 3 && !(100...599).contains(status) {
                        return .badRequest("Invalid status code")
                    }
                } else if b == ASCII.sp {
                    phase = .reason
                } else if b == ASCII.cr {
                    phase = .startLineLF
                } else {
                    return .badRequest("Invalid status code")
                }
            case .reason:
                while pos < end && (ASCII.isFieldVisible(buffer[pos]) || ASCII.isOWS(buffer[pos])) { pos += 1 }
                if pos == end { return nil }
                switch buffer[pos] {
                case ASCII.cr: phase = .startLineLF
                case ASCII.lf: return .badRequest("Bare LF in status line")
                default: return .badRequest("Invalid character in reason phrase")
                }
            case .startLineLF:
                guard b == ASCII.lf else { return .badRequest("Bare CR in status line") }
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
