import Engine
import Essentials
import Glibc
import HTTP1
import Normaliser

/// Responses sluice writes itself: always the canonical envelope (SPEC §7), written by the
/// normaliser's one envelope writer.
enum OwnResponse {
    /// Appends a whole error response to `out`.
    static func appendError(
        _ error: ProxyError, message: String? = nil, details: JSONValue? = nil,
        requestID: String, date: String, extraHeaders: [UInt8] = [], headersOnly: Bool, close: Bool, to out: ByteBuffer
    ) {
        let body = error.envelope(message: message, details: details, requestID: requestID, now: SystemTime.wallSeconds()).encoded()
        appendStatusLine(error.status, to: out)
        out.append("Date: ")
        out.append(date)
        out.append("\r\nContent-Type: ")
        out.append(ErrorEnvelope.contentType)
        out.append("\r\nContent-Length: ")
        out.append(decimal: body.count)
        out.append("\r\nX-Request-Id: ")
        out.append(requestID)
        out.append("\r\n")
        out.append(extraHeaders)
        if close { out.append("Connection: close\r\n") }
        out.append("\r\n")
        if !headersOnly { out.append(body) }
    }

    /// `HTTP/1.1 <status> <reason>\r\n`.
    static func appendStatusLine(_ status: Int, to out: ByteBuffer) {
        out.append("HTTP/1.1 ")
        out.append(decimal: status)
        out.append(byte: UInt8(ascii: " "))
        out.append(ReasonPhrase.of(status))
        out.append("\r\n")
    }
}
