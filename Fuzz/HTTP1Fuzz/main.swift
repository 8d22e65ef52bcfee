// libFuzzer target for the HTTP/1.1 layer: request and response head parsers and the chunked decoder.
// Not a package target: scripts/fuzz-http1.sh compiles it with Sources/HTTP1/*.swift into one module
// with `swiftc -parse-as-library -sanitize=fuzzer,address`.
//
// Input layout: byte 0 picks what to fuzz (low two bits) and seeds the split points; the rest is the
// message. Invariants checked: feeding the bytes whole, byte by byte and in uneven pieces gives the same
// outcome; every range of a complete head lies inside it and its fields are well-formed; a head rebuilt
// from the parsed pieces parses to the same head; chunked data survives an encode/decode round trip.

private func check(_ condition: Bool, _ what: String) {
    if !condition { fatalError("invariant broken: \(what)") }
}

/// A comparable summary of a parse outcome: ranges as raw numbers, errors by description.
private struct Summary: Equatable {
    var kind = "incomplete"
    var numbers: [Int] = []
}

private func summarize(_ result: HeadParseResult<RequestHead>) -> Summary {
    switch result {
    case .incomplete: return Summary()
    case .failed(let error): return Summary(kind: "\(error)")
    case .complete(let h):
        var n = [
            h.method.lowerBound, h.method.upperBound, h.target.lowerBound, h.target.upperBound,
            Int(h.version.minor), h.length, h.keepAlive ? 1 : 0, h.isHEAD ? 1 : 0, h.expectsContinue ? 1 : 0,
            h.hostIndex ?? -1, framingNumber(h.framing),
        ]
        for f in h.headers { n += [f.name.lowerBound, f.name.upperBound, f.value.lowerBound, f.value.upperBound] }
        return Summary(kind: "complete", numbers: n)
    }
}

private func summarize(_ result: HeadParseResult<ResponseHead>) -> Summary {
    switch result {
    case .incomplete: return Summary()
    case .failed(let error): return Summary(kind: "\(error)")
    case .complete(let h):
        var n = [
            Int(h.version.minor), h.status, h.length, h.keepAlive ? 1 : 0, h.contentEncodingIndex ?? -1,
            framingNumber(h.framing),
        ]
        for f in h.headers { n += [f.name.lowerBound, f.name.upperBound, f.value.lowerBound, f.value.upperBound] }
        return Summary(kind: "complete", numbers: n)
    }
}

private func framingNumber(_ framing: BodyFraming) -> Int {
    switch framing {
    case .none: return -1
    case .chunked: return -2
    case .untilClose: return -3
    case .contentLength(let n): return n
    }
}

/// Feeds growing prefixes of `bytes` (ends chosen by `cuts`) to `parse` until it stops being incomplete.
private func feedInPieces<R>(
    _ bytes: [UInt8], cuts: [Int], _ parse: (UnsafeRawBufferPointer) -> R,
    isIncomplete: (R) -> Bool
) -> R {
    var last: R? = nil
    for end in cuts + [bytes.count] where end <= bytes.count {
        let r = bytes[0..<end].withUnsafeBytes { parse($0) }
        if !isIncomplete(r) { return r }
        last = r
    }
    return last!
}

private func cutPoints(_ count: Int, seed: UInt8) -> [Int] {
    if seed & 0x80 != 0 || count < 64 { return Array(0..<count) }  // byte by byte
    var cuts: [Int] = []
    var state = UInt32(seed) &* 2_654_435_761 | 1
    var at = 0
    while at < count {
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        at += Int(state % 17)
        cuts.append(min(at, count))
    }
    return cuts
}

private func checkFields(_ headers: [HeaderField], _ bytes: [UInt8], length: Int) {
    for f in headers {
        check(!f.name.isEmpty && f.name.upperBound <= length && f.value.upperBound <= length, "field inside head")
        check(bytes[f.name].allSatisfy(ASCII.isTchar), "name is tchar")
        if let first = bytes[f.value].first, let last = bytes[f.value].last {
            check(!ASCII.isOWS(first) && !ASCII.isOWS(last), "value trimmed")
        }
        check(bytes[f.value].allSatisfy { $0 == ASCII.htab || ($0 >= 0x20 && $0 != 0x7F) }, "value bytes")
    }
}

/// The head rebuilt from its parsed pieces with canonical spacing.
private func rebuild(startLine: [UInt8], _ headers: [HeaderField], _ bytes: [UInt8]) -> [UInt8] {
    var out = startLine + Array("\r\n".utf8)
    for f in headers { out += bytes[f.name] + Array(": ".utf8) + bytes[f.value] + Array("\r\n".utf8) }
    return out + Array("\r\n".utf8)
}

private func fuzzRequest(_ bytes: [UInt8], seed: UInt8) {
    func parse(_ b: [UInt8]) -> HeadParseResult<RequestHead> {
        var p = RequestHeadParser(maxHeaderBytes: 2048, maxBodyBytes: 100_000, maxHeaderCount: 20)
        return b.withUnsafeBytes { p.parse($0) }
    }
    let whole = parse(bytes)
    var parser = RequestHeadParser(maxHeaderBytes: 2048, maxBodyBytes: 100_000, maxHeaderCount: 20)
    let pieces = feedInPieces(
        bytes, cuts: cutPoints(bytes.count, seed: seed), { parser.parse($0) },
        isIncomplete: { if case .incomplete = $0 { true } else { false } })
    check(summarize(whole) == summarize(pieces), "whole and pieces agree")
    guard case .complete(let head) = whole else { return }
    check(head.length <= bytes.count && head.length <= 2048, "length inside buffer")
    check(head.method.upperBound < head.target.lowerBound && head.target.upperBound < head.length, "line order")
    checkFields(head.headers, bytes, length: head.length)
    if case .contentLength(let n) = head.framing { check(n <= 100_000, "body limit") }
    let line =
        Array(bytes[head.method]) + [ASCII.sp] + Array(bytes[head.target]) + Array(" HTTP/1.\(head.version.minor)".utf8)
    let again = parse(rebuild(startLine: line, head.headers, bytes))
    guard case .complete(let head2) = again else { fatalError("rebuilt request does not parse: \(again)") }
    check(
        head2.headers.count == head.headers.count && head2.framing == head.framing && head2.keepAlive == head.keepAlive
            && head2.hostIndex == head.hostIndex && head2.isHEAD == head.isHEAD, "rebuilt request agrees")
}

private func fuzzResponse(_ bytes: [UInt8], seed: UInt8) {
    let wasHEAD = seed & 0x40 != 0
    func parse(_ b: [UInt8]) -> HeadParseResult<ResponseHead> {
        var p = ResponseHeadParser(maxHeaderBytes: 2048, maxHeaderCount: 20)
        return b.withUnsafeBytes { p.parse($0, requestWasHEAD: wasHEAD) }
    }
    let whole = parse(bytes)
    var parser = ResponseHeadParser(maxHeaderBytes: 2048, maxHeaderCount: 20)
    let pieces = feedInPieces(
        bytes, cuts: cutPoints(bytes.count, seed: seed), { parser.parse($0, requestWasHEAD: wasHEAD) },
        isIncomplete: { if case .incomplete = $0 { true } else { false } })
    check(summarize(whole) == summarize(pieces), "whole and pieces agree")
    guard case .complete(let head) = whole else { return }
    check((100...599).contains(head.status) && head.length <= bytes.count, "status and length")
    checkFields(head.headers, bytes, length: head.length)
    if head.framing == .untilClose { check(!head.keepAlive, "until-close is not kept alive") }
    let again = parse(
        rebuild(startLine: Array("HTTP/1.\(head.version.minor) \(head.status) R".utf8), head.headers, bytes))
    guard case .complete(let head2) = again else { fatalError("rebuilt response does not parse: \(again)") }
    check(
        head2.headers.count == head.headers.count && head2.framing == head.framing && head2.keepAlive == head.keepAlive,
        "rebuilt response agrees")
}

/// Decodes in pieces; returns data, consumed, finished, or the error text.
private func decodeChunked(_ bytes: [UInt8], cuts: [Int]) -> ([UInt8], Int, Bool, String?) {
    var decoder = ChunkedDecoder(maxTrailerBytes: 256)
    var data: [UInt8] = []
    var offset = 0
    for end in cuts + [bytes.count] where end > offset && end <= bytes.count {
        let piece = bytes[offset..<end]
        let outcome: Result<(consumed: Int, finished: Bool), HTTPParseError> = piece.withUnsafeBytes { raw in
            do throws(HTTPParseError) {
                return .success(try decoder.decode(raw) { data += raw[$0] })
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .failure(let error): return (data, -1, false, "\(error)")
        case .success(let r):
            check(r.consumed <= piece.count && (r.finished || r.consumed == piece.count), "consumed")
            offset += r.consumed
            if r.finished {
                check(decoder.decodedBytes == data.count, "decodedBytes")
                return (data, offset, true, nil)
            }
        }
    }
    return (data, offset, false, nil)
}

private func fuzzChunked(_ bytes: [UInt8], seed: UInt8) {
    let whole = decodeChunked(bytes, cuts: [])
    let pieces = decodeChunked(bytes, cuts: cutPoints(bytes.count, seed: seed))
    check(
        whole.0 == pieces.0 && whole.1 == pieces.1 && whole.2 == pieces.2 && whole.3 == pieces.3, "chunked pieces agree"
    )
    // Round trip: the input as data, chunked by the seed's sizes, decodes back to itself.
    var encoded: [UInt8] = []
    var at = 0
    let step = Int(seed % 13) + 1
    while at < bytes.count {
        let n = min(step, bytes.count - at)
        encoded +=
            Array(String(n, radix: 16).utf8) + Array(";x=\"y\"\r\n".utf8) + bytes[at..<at + n] + [ASCII.cr, ASCII.lf]
        at += n
    }
    encoded += Array("0\r\nT: v\r\n\r\nNEXT".utf8)
    let decoded = decodeChunked(encoded, cuts: cutPoints(encoded.count, seed: seed ^ 0x55))
    check(decoded.0 == bytes && decoded.2 && decoded.1 == encoded.count - 4 && decoded.3 == nil, "chunked round trip")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func http1FuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 1 else { return 0 }
    let seed = data[0]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch seed & 3 {
    case 0, 1: fuzzRequest(bytes, seed: seed)
    case 2: fuzzResponse(bytes, seed: seed)
    default: fuzzChunked(bytes, seed: seed)
    }
    return 0
}
