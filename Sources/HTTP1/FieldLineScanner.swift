/// Incremental, byte-exact scanner of a field section (header or trailer lines up to the empty line).
///
/// It keeps its state between calls so a caller can feed the section in any pieces; every byte is
/// validated as soon as it is seen (a bare LF fails at once). Field positions are offsets into the
/// buffer passed to `next`, which must keep the same start while one field is being scanned.
struct FieldLineScanner: Sendable {
    enum State: UInt8 { case lineStart, name, valueLeading, value, valueLF, finalLF }

    /// What the scanner found.
    enum Step {
        case needMore
        case field(HeaderField)
        case end
        case failed(HTTPParseError)
    }

    var state: State = .lineStart
    var nameStart = 0
    var nameEnd = 0
    var valueStart = 0
    var valueEnd = 0

    /// Drops the positions of a partly scanned field so a field can continue in a new, unrelated buffer
    /// (chunked trailers arrive in independent slices); the field it then reports has meaningless but
    /// well-formed ranges.
    mutating func forgetPositions() {
        nameStart = 0
        nameEnd = 0
        valueStart = 0
        valueEnd = 0
    }

    /// Scans `buffer[pos..<end]`, advancing `pos` past what it consumed, until a field or the end of the
    /// section is complete, an error is found, or the bytes run out.
    @inline(__always)
    mutating func next(_ buffer: UnsafeRawBufferPointer, _ pos: inout Int, _ end: Int) -> Step {
        while pos < end {
            let b = buffer[pos]
            switch state {
            case .lineStart:
                if ASCII.isTchar(b) {
                    nameStart = pos
                    state = .name
                    pos += 1
                    continue
                }
                switch b {
                case ASCII.cr: state = .finalLF
                case ASCII.sp, ASCII.htab: return .failed(.badRequest("Obsolete line folding in header section"))
                case ASCII.colon: return .failed(.badRequest("Empty header field name"))
                case ASCII.lf: return .failed(.badRequest("Bare LF in header section"))
                default: return .failed(.badRequest("Invalid character in header field name"))
                }
                pos += 1
            case .name:
                while pos < end && ASCII.isTchar(buffer[pos]) { pos += 1 }
                if pos == end { return .needMore }
                let c = buffer[pos]
                switch c {
                case ASCII.colon:
                    nameEnd = pos
                    state = .valueLeading
                    pos += 1
                case ASCII.sp, ASCII.htab: return .failed(.badRequest("Whitespace between header field name and colon"))
                case ASCII.cr, ASCII.lf: return .failed(.badRequest("Header field without colon"))
                default: return .failed(.badRequest("Invalid character in header field name"))
                }
            case .valueLeading:
                if ASCII.isOWS(b) {
                    pos += 1
                    continue
                }
                valueStart = pos
                valueEnd = pos
                state = .value
            case .value:
                while pos < end {
                    let c = buffer[pos]
                    if ASCII.isFieldVisible(c) {
                        pos += 1
                        valueEnd = pos
                    } else if ASCII.isOWS(c) {
                        pos += 1
                    } else {
                        break
                    }
                }
                if pos == end { return .needMore }
                switch buffer[pos] {
                case ASCII.cr:
                    state = .valueLF
                    pos += 1
                case ASCII.lf: return .failed(.badRequest("Bare LF in header section"))
                default: return .failed(.badRequest("Invalid character in header field value"))
                }
            case .valueLF:
                guard b == ASCII.lf else { return .failed(.badRequest("Bare CR in header section")) }
                pos += 1
                state = .lineStart
                return .field(HeaderField(name: nameStart..<nameEnd, value: valueStart..<valueEnd))
            case .finalLF:
                guard b == ASCII.lf else { return .failed(.badRequest("Bare CR in header section")) }
                pos += 1
                state = .lineStart
                return .end
            }
        }
        return .needMore
    }
}
