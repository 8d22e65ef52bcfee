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

    private var scan: HeadScan
    private var phase = Phase.version
    private var status = 0
    private var statusDigits = 0

    /// Creates a parser; a head longer than `maxHeaderBytes` or with more than `maxHeaderCount` fields
    /// fails with `.headersTooLarge`.
    public init(maxHeaderBytes: Int, maxHeaderCount: Int = 100) {
        scan = HeadScan(
            maxHeaderBytes: maxHeaderBytes, maxHeaderCount: maxHeaderCount, maxContentLength: Int.max,
            requestRules: false)
    }

    /// Forgets the current response so the parser can start on the next one. Keeps allocated capacity.
    public mutating func reset() {
        scan.reset()
        phase = .version
        status = 0
        statusDigits = 0
    }

    /// Parses as much of the head as `buffer` holds. `requestWasHEAD` makes the framing `.none`.
    public mutating func parse(_ buffer: UnsafeRawBufferPointer, requestWasHEAD: Bool) -> HeadParseResult<ResponseHead>
    {
        let startLineError = scan.canScan && phase != .fields ? scanStatusLine(buffer, scan.end(of: buffer)) : nil
        switch scan.scanFields(buffer, startLineDone: phase == .fields, startLineError: startLineError) {
        case .incomplete: return .incomplete
        case .failed(let error): return .failed(error)
        case .complete: return finish(requestWasHEAD: requestWasHEAD)
        }
    }

    private mutating func finish(requestWasHEAD: Bool) -> HeadParseResult<ResponseHead> {
        let version = scan.version.version
        let facts = scan.section.facts
        let framing: BodyFraming
        if requestWasHEAD || status < 200 || status == 204 || status == 304 {
            framing = .none
        } else if facts.chunked {
            framing = .chunked
        } else if let length = facts.contentLength {
            framing = .contentLength(length)
        } else {
            framing = .untilClose
        }
        let head = ResponseHead(
            version: version, status: status, headers: scan.section.takeHeaders(), length: scan.pos, framing: framing,
            keepAlive: framing != .untilClose && facts.keepAlive(version),
            contentEncodingIndex: facts.contentEncodingIndex)
        return .complete(head)
    }

    /// Scans the status line up to its CRLF; returns an error, or nil when it needs more bytes or is done.
    private mutating func scanStatusLine(_ buffer: UnsafeRawBufferPointer, _ end: Int) -> HTTPParseError? {
        while scan.pos < end {
            let b = buffer[scan.pos]
            switch phase {
            case .version:
                switch scan.scanVersion(buffer, end, then: ASCII.sp, otherwise: "Invalid status line (after version)") {
                case .consumed: continue
                case .terminated:
                    phase = .status
                    continue
                case .failed(let error): return error
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
                while scan.pos < end && (ASCII.isFieldVisible(buffer[scan.pos]) || ASCII.isOWS(buffer[scan.pos])) {
                    scan.pos += 1
                }
                if scan.pos == end { return nil }
                switch buffer[scan.pos] {
                case ASCII.cr: phase = .startLineLF
                case ASCII.lf: return .badRequest("Bare LF in status line")
                default: return .badRequest("Invalid character in reason phrase")
                }
            case .startLineLF:
                guard b == ASCII.lf else { return .badRequest("Bare CR in status line") }
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
