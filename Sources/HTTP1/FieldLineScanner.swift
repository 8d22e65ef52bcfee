/// Incremental, byte-exact scanner of a field section (header or trailer lines up to the empty line).
///
/// It keeps its state between calls so a caller can feed the section in any pieces; every byte is
/// validated as soon as it is seen (a bare LF fails at once). Field positions are offsets into the
/// buffer passed to `next`, which must keep the same start while one field is being scanned.
/// A whole line in the buffer is scanned straight through (the states fall through), so the state
/// dispatch happens once per call, not once per byte.
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
        var p = pos
        defer { pos = p }
        if p >= end { return .needMore }
        switch state {
        case .lineStart:
            let b = buffer[p]
            guard ASCII.isTchar(b) else {
                switch b {
                case ASCII.cr:
                    p += 1
                    state = .finalLF
                    return finalLF(buffer, &p, end)
                case ASCII.sp, ASCII.htab: return .failed(.badRequest("Obsolete line folding in header section"))
                case ASCII.colon: return .failed(.badRequest("Empty header field name"))
                case ASCII.lf: return .failed(.badRequest("Bare LF in header section"))
                default: return .failed(.badRequest("Invalid character in header field name"))
                }
            }
            nameStart = p
            p += 1
            state = .name
            fallthrough
        case .name:
            while p < end && ASCII.isTchar(buffer[p]) { p += 1 }
            if p == end { return .needMore }
            switch buffer[p] {
            case ASCII.colon: break
            case ASCII.sp, ASCII.htab: return .failed(.badRequest("Whitespace between header field name and colon"))
            case ASCII.cr, ASCII.lf: return .failed(.badRequest("Header field without colon"))
            default: return .failed(.badRequest("Invalid character in header field name"))
            }
            nameEnd = p
            p += 1
            state = .valueLeading
            fallthrough
        case .valueLeading:
            while p < end && ASCII.isOWS(buffer[p]) { p += 1 }
            if p == end { return .needMore }
            valueStart = p
            state = .value
            fallthrough
        case .value:
            while true {
                while p &+ 8 <= end && !SWAR.mayStopFieldValue(buffer.loadUnaligned(fromByteOffset: p, as: UInt64.self))
                {
                    p &+= 8
                }
                while p < end && ASCII.isFieldVisibleOrSP(buffer[p]) { p &+= 1 }
                if p == end { return .needMore }
                let c = buffer[p]
                if c == ASCII.htab {
                    p &+= 1
                    continue
                }
                if c == ASCII.cr { break }
                if c == ASCII.lf { return .failed(.badRequest("Bare LF in header section")) }
                return .failed(.badRequest("Invalid character in header field value"))
            }
            var last = p
            while last > valueStart && ASCII.isOWS(buffer[last &- 1]) { last &-= 1 }
            valueEnd = last
            p += 1
            state = .valueLF
            fallthrough
        case .valueLF:
            if p == end { return .needMore }
            guard buffer[p] == ASCII.lf else { return .failed(.badRequest("Bare CR in header section")) }
            p += 1
            state = .lineStart
            return .field(HeaderField(name: nameStart..<nameEnd, value: valueStart..<valueEnd))
        case .finalLF:
            return finalLF(buffer, &p, end)
        }
    }

    @inline(__always)
    private mutating func finalLF(_ buffer: UnsafeRawBufferPointer, _ p: inout Int, _ end: Int) -> Step {
        if p == end { return .needMore }
        guard buffer[p] == ASCII.lf else { return .failed(.badRequest("Bare CR in header section")) }
        p += 1
        state = .lineStart
        return .end
    }
}
