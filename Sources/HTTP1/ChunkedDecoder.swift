/// Incremental strict decoder of a chunked message body (RFC 9112 §7.1).
///
/// Feed any slice of the connection's bytes; `decode` reports the data ranges (relative to the slice)
/// and how many bytes of the slice belong to the chunked message, so bytes after the end (a pipelined
/// request) stay with the caller. `finished` becomes true after the last-chunk and the trailer section;
/// trailer fields are validated like header fields and discarded, within `maxTrailerBytes`.
///
/// Strictness: the chunk size is 1–16 hex digits without sign or `0x`; chunk extensions are
/// `;name[=token|quoted-string]` with optional whitespace around `;` and `=`, at most 4096 bytes per
/// chunk line; every line ends in CRLF; data must be followed by CRLF. Anything else throws
/// `.badRequest(reason)`, and so does every later call. A chunk whose declared size takes the data past
/// `maxDataBytes` throws `.payloadTooLarge` as soon as its size digits say so, before any of its data arrives.
public struct ChunkedDecoder: Sendable {
    private enum State: UInt8 {
        case sizeStart, size, extBeforeSemicolon, extNameStart, extName, extAfterName, extValueStart, extToken,
            extQuoted, extQuotedEscape, extAfterValue, sizeLF, data, dataCR, dataLF, trailer, finished
    }

    private static let maxSizeDigits = 16
    private static let maxChunkLineBytes = 4096

    private let maxTrailerBytes: Int
    private let maxDataBytes: Int
    private var state = State.sizeStart
    private var chunkSize = 0
    private var sizeDigits = 0
    private var lineBytes = 0
    private var remaining = 0
    private var trailerBytes = 0
    private var trailer = FieldLineScanner()
    private var failure: HTTPParseError?
    /// Total data bytes decoded so far; the caller enforces its body limit against it.
    public private(set) var decodedBytes = 0

    /// Creates a decoder for one chunked body of at most `maxDataBytes` data bytes; the trailer section may be at
    /// most `maxTrailerBytes` long.
    public init(maxTrailerBytes: Int = 8192, maxDataBytes: Int = .max) {
        self.maxTrailerBytes = maxTrailerBytes
        self.maxDataBytes = maxDataBytes
    }

    /// Decodes `bytes`, calling `onData` with each range of body data (relative to `bytes`).
    /// Returns how many bytes of `bytes` belong to the chunked message and whether it is complete.
    public mutating func decode(
        _ bytes: UnsafeRawBufferPointer, onData: (Range<Int>) -> Void
    ) throws(HTTPParseError) -> (consumed: Int, finished: Bool) {
        if let failure { throw failure }
        var pos = 0
        let end = bytes.count
        while pos < end && state != .finished {
            if state == .data {
                let n = Swift.min(remaining, end - pos)
                onData(pos..<pos + n)
                remaining -= n
                decodedBytes += n
                pos += n
                if remaining == 0 { state = .dataCR }
                continue
            }
            if state == .trailer {
                try decodeTrailer(bytes, &pos, end)
                continue
            }
            try step(bytes[pos])
            pos += 1
        }
        return (pos, state == .finished)
    }

    private mutating func fail(_ reason: String) -> HTTPParseError {
        let error = HTTPParseError.badRequest(reason)
        failure = error
        return error
    }

    private mutating func decodeTrailer(_ bytes: UnsafeRawBufferPointer, _ pos: inout Int, _ end: Int)
        throws(HTTPParseError)
    {
        let start = pos
        trailer.forgetPositions()
        let limit = Swift.min(end, pos + (maxTrailerBytes - trailerBytes) + 1)
        let step = trailer.next(bytes, &pos, limit)
        trailerBytes += pos - start
        if trailerBytes > maxTrailerBytes { throw fail("Chunked trailer section too large") }
        switch step {
        case .needMore, .field: break
        case .end: state = .finished
        case .failed(let error):
            failure = error
            throw error
        }
    }

    /// Advances the chunk-line and data-delimiter states by one byte.
    @inline(__always)
    private mutating func step(_ b: UInt8) throws(HTTPParseError) {
        if state.rawValue < State.sizeLF.rawValue {
            lineBytes += 1
            if lineBytes > ChunkedDecoder.maxChunkLineBytes { throw fail("Chunk extension too long") }
        }
        switch state {
        case .sizeStart, .size:
            if let digit = ASCII.hexValue(b) {
                sizeDigits += 1
                if sizeDigits > ChunkedDecoder.maxSizeDigits || chunkSize > (Int.max >> 4) {
                    throw fail("Chunk size too large")
                }
                chunkSize = chunkSize << 4 | digit
                if chunkSize > maxDataBytes - decodedBytes {
                    failure = .payloadTooLarge
                    throw .payloadTooLarge
                }
                state = .size
                return
            }
            guard state == .size else { throw fail("Invalid chunk size") }
            switch b {
            case ASCII.cr: state = .sizeLF
            case ASCII.semicolon: state = .extNameStart
            case ASCII.sp, ASCII.htab: state = .extBeforeSemicolon
            default: throw fail("Invalid chunk size")
            }
        case .extBeforeSemicolon:
            if ASCII.isOWS(b) { return }
            guard b == ASCII.semicolon else { throw fail("Invalid chunk size") }
            state = .extNameStart
        case .extNameStart:
            if ASCII.isOWS(b) { return }
            guard ASCII.isTchar(b) else { throw fail("Invalid chunk extension") }
            state = .extName
        case .extName, .extAfterName:
            if state == .extName && ASCII.isTchar(b) { return }
            switch b {
            case ASCII.sp, ASCII.htab: state = .extAfterName
            case ASCII.equals: state = .extValueStart
            case ASCII.semicolon: state = .extNameStart
            case ASCII.cr: state = .sizeLF
            default: throw fail("Invalid chunk extension")
            }
        case .extValueStart:
            if ASCII.isOWS(b) { return }
            if b == ASCII.quote {
                state = .extQuoted
            } else if ASCII.isTchar(b) {
                state = .extToken
            } else {
                throw fail("Invalid chunk extension")
            }
        case .extToken, .extAfterValue:
            if state == .extToken && ASCII.isTchar(b) { return }
            switch b {
            case ASCII.sp, ASCII.htab: state = .extAfterValue
            case ASCII.semicolon: state = .extNameStart
            case ASCII.cr: state = .sizeLF
            default: throw fail("Invalid chunk extension")
            }
        case .extQuoted:
            if b == ASCII.quote {
                state = .extAfterValue
            } else if b == ASCII.backslash {
                state = .extQuotedEscape
            } else if !(ASCII.isOWS(b) || ASCII.isFieldVisible(b)) {
                throw fail("Invalid chunk extension")
            }
        case .extQuotedEscape:
            guard ASCII.isOWS(b) || ASCII.isFieldVisible(b) else { throw fail("Invalid chunk extension") }
            state = .extQuoted
        case .sizeLF:
            guard b == ASCII.lf else { throw fail("Bare CR in chunk size line") }
            if chunkSize == 0 {
                state = .trailer
            } else {
                remaining = chunkSize
                state = .data
            }
        case .dataCR:
            guard b == ASCII.cr else { throw fail("Missing CRLF after chunk data") }
            state = .dataLF
        case .dataLF:
            guard b == ASCII.lf else { throw fail("Missing CRLF after chunk data") }
            chunkSize = 0
            sizeDigits = 0
            lineBytes = 0
            state = .sizeStart
        case .data, .trailer, .finished:
            break
        }
    }
}
