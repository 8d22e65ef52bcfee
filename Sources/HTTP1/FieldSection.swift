/// The header section of a head being parsed: the field scanner, the fields so far and the facts
/// learnt from them. Shared by the request and response parsers.
struct FieldSection: Sendable {
    enum Outcome {
        case needMore
        case failed(HTTPParseError)
        case complete
    }

    var scanner = FieldLineScanner()
    var headers: [HeaderField] = []
    var facts = HeaderFacts()

    /// Forgets the fields, keeping the array's capacity if it still owns one.
    mutating func reset() {
        scanner = FieldLineScanner()
        headers.removeAll(keepingCapacity: true)
        facts.reset()
    }

    /// Hands the fields to a finished head; the next message reserves a fresh array.
    mutating func takeHeaders() -> [HeaderField] {
        let taken = headers
        headers = []
        return taken
    }

    /// Scans fields from `pos` up to `end`, checking each as it completes.
    @inline(__always)
    mutating func collect(
        _ buffer: UnsafeRawBufferPointer, _ pos: inout Int, _ end: Int, version: HTTPVersion,
        requestRules: Bool, maxHeaderCount: Int, maxContentLength: Int
    ) -> Outcome {
        if headers.capacity == 0 { headers.reserveCapacity(16) }
        while true {
            switch scanner.next(buffer, &pos, end) {
            case .needMore:
                return .needMore
            case .failed(let error):
                return .failed(error)
            case .field(let field):
                if headers.count >= maxHeaderCount { return .failed(.headersTooLarge) }
                if let error = facts.record(
                    field, index: headers.count, in: buffer, version: version, requestRules: requestRules)
                {
                    return .failed(error)
                }
                if let length = facts.contentLength, length > maxContentLength { return .failed(.payloadTooLarge) }
                headers.append(field)
            case .end:
                return .complete
            }
        }
    }
}
