import Engine
import Glibc
import Normaliser

/// Responses sluice writes itself: always the canonical envelope (SPEC §7), written by the
/// normaliser's one envelope writer.
enum OwnResponse {
    /// Appends a whole error response to `out`.
    static func appendError(
        _ error: ProxyError, message: String? = nil, details: JSONValue? = nil,
        requestID: String, extraHeaders: [UInt8] = [], headersOnly: Bool, close: Bool, to out: ByteBuffer
    ) {
        let envelope = ErrorEnvelope(
            code: error.code, message: message ?? error.defaultMessage, details: details,
            timestamp: RFC3339.format(unixSeconds: Int64(time(nil))), requestID: requestID)
        appendEnvelope(status: error.status, body: envelope.encoded(), requestID: requestID,
                       extraHeaders: extraHeaders, headersOnly: headersOnly, close: close, to: out)
    }

    /// Appends a status line, the envelope headers, `extraHeaders` (already formatted lines) and the body.
    static func appendEnvelope(
        status: Int, body: [UInt8], requestID: String, extraHeaders: [UInt8],
        headersOnly: Bool, close: Bool, to out: ByteBuffer
    ) {
        appendStatusLine(status, to: out)
        out.append("Content-Type: application/json; charset=utf-8\r\nContent-Length: ")
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
        out.append(reasonPhrase(status))
        out.append("\r\n")
    }

    static func reasonPhrase(_ status: Int) -> StaticString {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return status < 400 ? "OK" : (status < 500 ? "Client Error" : "Server Error")
        }
    }
}
