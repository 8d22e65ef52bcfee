/// What the request and response head parsers share: the scan position, the version being matched, the
/// field section, the size limits and the sticky failure. Each parser scans its own start line, then
/// hands over to `scanFields`.
struct HeadScan: Sendable {
    enum Progress {
        case incomplete
        case complete
        case failed(HTTPParseError)
    }

    let maxHeaderBytes: Int
    let maxHeaderCount: Int
    let maxContentLength: Int
    let requestRules: Bool
    var pos = 0
    var version = VersionMatcher()
    var section = FieldSection()
    var failure: HTTPParseError?

    init(maxHeaderBytes: Int, maxHeaderCount: Int, maxContentLength: Int, requestRules: Bool) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxContentLength = maxContentLength
        self.requestRules = requestRules
    }

    mutating func reset() {
        pos = 0
        version = VersionMatcher()
        section.reset()
        failure = nil
    }

    /// Whether scanning may go on (no failure so far).
    var canScan: Bool {
        if case .none = failure { return true }
        return false
    }

    /// How far into `buffer` the head may reach.
    func end(of buffer: UnsafeRawBufferPointer) -> Int { Swift.min(buffer.count, maxHeaderBytes) }

    enum VersionStep {
        case consumed
        case terminated
        case failed(HTTPParseError)
    }

    /// Matches the start line's `HTTP/1.x` at `pos` (eight bytes at once when they are at hand, else one),
    /// then expects `terminator` after it. `.consumed`: bytes were matched; `.terminated`: the terminator
    /// was consumed too. `pos` is advanced past what was consumed.
    @inline(__always)
    mutating func scanVersion(
        _ buffer: UnsafeRawBufferPointer, _ end: Int, then terminator: UInt8, otherwise reason: String
    ) -> VersionStep {
        if pos &+ 8 <= end && version.matchWord(buffer.loadUnaligned(fromByteOffset: pos, as: UInt64.self)) {
            pos &+= 8
            return .consumed
        }
        let b = buffer[pos]
        if version.index == 8 {
            guard b == terminator else { return .failed(.badRequest(reason)) }
            pos += 1
            return .terminated
        }
        if case .failed(let error) = version.step(b) { return .failed(error) }
        pos += 1
        return .consumed
    }

    /// Records a failure, which every later call reports again, and returns it.
    @discardableResult
    mutating func fail(_ error: HTTPParseError) -> HTTPParseError {
        failure = error
        return error
    }

    /// Takes over after the parser scanned what it could of its start line (`startLineError` if that
    /// failed): scans header fields once the start line is done, and turns running out of bytes at the
    /// size limit into `.headersTooLarge`.
    @inline(__always)
    mutating func scanFields(
        _ buffer: UnsafeRawBufferPointer, startLineDone: Bool, startLineError: HTTPParseError?
    ) -> Progress {
        if let startLineError { return .failed(fail(startLineError)) }
        if let failure { return .failed(failure) }
        if startLineDone {
            switch section.collect(
                buffer, &pos, end(of: buffer), version: version.version, requestRules: requestRules,
                maxHeaderCount: maxHeaderCount, maxContentLength: maxContentLength)
            {
            case .needMore: break
            case .failed(let error): return .failed(fail(error))
            case .complete:
                // A finished head makes the parser unusable until reset().
                failure = .badRequest("Parser used again without reset()")
                return .complete
            }
        }
        return buffer.count >= maxHeaderBytes ? .failed(fail(.headersTooLarge)) : .incomplete
    }
}
