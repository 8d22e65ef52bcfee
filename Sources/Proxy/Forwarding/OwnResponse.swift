import Engine
import Essentials
import Glibc
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
        out.append(reasonPhrase(status))
        out.append("\r\n")
    }

    static func reasonPhrase(_ status: Int) -> StaticString {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 402: return "Payment Required"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 407: return "Proxy Authentication Required"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 411: return "Length Required"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 416: return "Range Not Satisfiable"
        case 417: return "Expectation Failed"
        case 421: return "Misdirected Request"
        case 422: return "Unprocessable Content"
        case 423: return "Locked"
        case 424: return "Failed Dependency"
        case 425: return "Too Early"
        case 426: return "Upgrade Required"
        case 428: return "Precondition Required"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 451: return "Unavailable For Legal Reasons"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        case 507: return "Insufficient Storage"
        case 508: return "Loop Detected"
        case 511: return "Network Authentication Required"
        default: return status < 400 ? "OK" : (status < 500 ? "Client Error" : "Server Error")
        }
    }
}
