import CZlib

/// Undoes `Content-Encoding: gzip` / `deflate` (zlib-wrapped or raw) with zlib, never producing more than
/// `limit` bytes: a body that would exceed it, is truncated or corrupt, or uses another coding gives nil.
enum ContentDecoder {
    /// The body with every coding of `contentEncoding` (e.g. `"gzip"`, `"deflate"`, `"identity"`, nil,
    /// or a list such as `"deflate, gzip"`, applied in order) removed, or nil.
    static func decode(_ body: [UInt8], contentEncoding: String?, limit: Int) -> [UInt8]? {
        guard body.count <= limit else { return nil }
        guard let contentEncoding else { return body }
        let codings = contentEncoding.split(separator: ",").map { $0.trimmingASCIISpaces().lowercased() }
        guard codings.count <= 4 else { return nil }
        var data = body
        for coding in codings.reversed() {
            switch coding {
            case "", "identity":
                continue
            case "gzip", "x-gzip":
                guard let inflated = inflate(data, windowBits: 16 + 15, limit: limit) else { return nil }
                data = inflated
            case "deflate":
                if looksLikeZlibHeader(data), let inflated = inflate(data, windowBits: 15, limit: limit) {
                    data = inflated
                } else if let inflated = inflate(data, windowBits: -15, limit: limit) {
                    data = inflated
                } else {
                    return nil
                }
            default:
                return nil
            }
        }
        return data
    }

    /// RFC 1950: CM = 8, and the first two bytes as a big-endian number are a multiple of 31.
    static func looksLikeZlibHeader(_ data: [UInt8]) -> Bool {
        data.count >= 2 && data[0] & 0x0F == 8 && (UInt16(data[0]) << 8 | UInt16(data[1])) % 31 == 0
    }

    /// Inflates all of `input` (for gzip, every concatenated member) or returns nil.
    static func inflate(_ input: [UInt8], windowBits: Int32, limit: Int) -> [UInt8]? {
        guard !input.isEmpty, input.count <= Int(UInt32.max) else { return nil }
        var stream = z_stream()
        guard sluice_inflateInit2(&stream, windowBits) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        return input.withUnsafeBufferPointer { source -> [UInt8]? in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = uInt(source.count)
            while true {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                guard output.count + produced <= limit else { return nil }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    if stream.avail_in == 0 { return output }
                    // Another gzip member may follow; anything else after the end is an error.
                    guard windowBits > 15, inflateReset(&stream) == Z_OK else { return nil }
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    // No progress possible: the input ended before the stream did.
                    if produced == 0 { return nil }
                default:
                    return nil
                }
            }
        }
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    func trimmingASCIISpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
