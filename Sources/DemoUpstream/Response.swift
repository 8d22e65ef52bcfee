/// A response the demo upstream writes: status, ordered header fields and a body, framed by
/// Content-Length or chunked.
struct Response {
    var status: Int
    var headers: [(String, String)] = []
    var body: [UInt8] = []
    var chunked = false

    init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], chunked: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.chunked = chunked
    }

    /// A JSON response.
    static func json(_ status: Int, _ text: String, contentType: String = "application/json") -> Response {
        Response(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    /// 1xx, 204 and 304 responses carry neither a body nor framing headers.
    var hasBody: Bool { status >= 200 && status != 204 && status != 304 }

    /// The status line and header block, with the framing header added.
    func head(keepAlive: Bool) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(Response.reason(status))\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if hasBody { text += chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: \(body.count)\r\n" }
        if !keepAlive { text += "Connection: close\r\n" }
        return Array((text + "\r\n").utf8)
    }

    /// Writes the response; HEAD gets the head only. False if the peer has gone.
    func write(to stream: SocketStream, isHead: Bool, keepAlive: Bool) -> Bool {
        guard stream.write(head(keepAlive: keepAlive)) else { return false }
        if isHead || !hasBody { return true }
        if !chunked { return stream.write(body) }
        var offset = 0
        while offset < body.count {  // several chunks, to exercise the client's chunk parser
            let size = min(max(1, body.count / 3 + 1), body.count - offset)
            guard stream.write(Array(String(size, radix: 16).utf8) + [13, 10] + body[offset..<offset + size] + [13, 10]) else { return false }
            offset += size
        }
        return stream.write("0\r\n\r\n")
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status"
        }
    }
}
