import Engine
import HTTP1

/// What of an upstream's response head reaches the client (SPEC §4): the status line under sluice's version,
/// and the end-to-end fields — not the hop-by-hop ones, nor those named in `Connection`, nor the ones sluice
/// sets itself; a `Date` when the upstream sent none (RFC 9110 §6.6.1).
enum UpstreamResponseHead {
    /// `HTTP/1.1`, then the code and reason of the head at the start of `buffer`.
    static func writeStatusLine(of buffer: UnsafeRawBufferPointer, to out: ByteBuffer) {
        var lineEnd = 0
        while lineEnd + 1 < buffer.count && !(buffer[lineEnd] == 13 && buffer[lineEnd + 1] == 10) { lineEnd += 1 }
        out.append("HTTP/1.1")
        out.append(UnsafeRawBufferPointer(rebasing: buffer[min(8, lineEnd)..<lineEnd]))
        out.append("\r\n")
    }

    /// The end-to-end fields of `head` (bytes in `buffer`). `ownRateLimit`: sluice writes rate-limit headers
    /// (they win; an upstream's `Retry-After` is kept, as an admitted request's carry none). `dropBodyHeaders`:
    /// the body is replaced (its length, type and encoding are sluice's). `date` stands in for a missing `Date`.
    static func writeFields(
        of head: ResponseHead, in buffer: UnsafeRawBufferPointer, ownRateLimit: Bool, dropBodyHeaders: Bool,
        date: String, to out: ByteBuffer
    ) {
        let nominations = ConnectionNominations(head.headers, in: buffer)
        var hasDate = false
        for field in head.headers {
            let kind = HeaderName.classify(buffer, field.name)
            if kind.isHopByHop || kind == .xRequestID { continue }
            if ownRateLimit && kind == .rateLimitFamily { continue }
            if dropBodyHeaders && (kind == .contentLength || kind == .contentType || kind == .contentEncoding) { continue }
            // Connection may nominate extension headers, never the message's own framing.
            if kind == .other && !nominations.isEmpty && nominations.contains(field.name, in: buffer) { continue }
            if kind == .date { hasDate = true }
            out.append(UnsafeRawBufferPointer(rebasing: buffer[field.name]))
            out.append(": ")
            out.append(UnsafeRawBufferPointer(rebasing: buffer[field.value]))
            out.append("\r\n")
        }
        if !hasDate {
            out.append("Date: ")
            out.append(date)
            out.append("\r\n")
        }
    }
}
