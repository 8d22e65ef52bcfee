#if canImport(Glibc)
import Glibc
#endif
import OpenSSLBinding

/// Dispatches one request to its endpoint and writes the answer.
struct Router {
    /// What the connection does after an endpoint ran.
    enum Outcome {
        case keepAlive
        case close
        /// The endpoint already closed the socket.
        case closed
    }

    let state: ServerState
    let stream: SocketStream
    let request: Request
    let keepAlive: Bool

    var isHead: Bool { request.method == "HEAD" }

    /// Paths that observe or steer the server and are therefore not counted in `/hits`.
    static func isIntrospection(_ path: String) -> Bool {
        path == "/hits" || path == "/hits/reset" || path == "/connections" || path == "/health" || path.hasPrefix("/admin/")
    }

    func handle() -> Outcome {
        let path = request.path
        if state.read().stalled && !path.hasPrefix("/admin/") {
            stream.drainUntilClosed()  // accepted, read, never answered (`/admin/stall?on=1`)
            return .close
        }
        if !Router.isIntrospection(path) {
            switch state.countRequest() {
            case .normal: break
            case .failWith(let status): return send(errorResponse(status: status, name: "", encoding: nil, chunked: false))
            case .chaos(let roll): return chaos(roll)
            }
        }
        if path == "/echo" || path.hasPrefix("/echo/") { return send(echo()) }
        switch path {
        case "/bytes": return sendBytes()
        case "/redirect":
            let location = request.queryValue("to") ?? "/v1/redirected"
            return send(.json(302, #"{"redirect":\#(JSONText.quote(location))}"#, extraHeaders: [("Location", location)]))
        case "/hits": return send(.json(200, #"{"hits":\#(state.read().hits)}"#))
        case "/hits/reset":
            state.update { $0.hits = 0 }
            return send(.json(200, #"{"hits":0}"#))
        case "/connections":
            let counters = state.read()
            return send(.json(200, #"{"connections":\#(counters.connectionsAccepted),"open":\#(counters.connectionsOpen)}"#))
        case "/health":
            return state.read().healthy ? send(.json(200, #"{"status":"ok"}"#)) : send(.json(503, #"{"status":"down"}"#))
        case "/admin/health":
            let ok = request.queryValue("ok") != "0"
            state.update { $0.healthy = ok }
            return send(.json(200, #"{"healthy":\#(ok)}"#))
        case "/admin/fail-next":
            let count = request.queryInt("n") ?? 1, status = request.queryInt("status") ?? 503
            state.update { $0.failNextCount = count; $0.failNextStatus = status }
            return send(.json(200, #"{"fail_next":\#(count),"status":\#(status)}"#))
        case "/admin/stall":
            let on = request.queryValue("on") != "0"
            state.update { $0.stalled = on }
            return send(.json(200, #"{"stalled":\#(on)}"#))
        case "/admin/chaos":
            let percent = min(100, max(0, request.queryInt("percent") ?? 0))
            state.update { $0.chaosPercent = percent }
            return send(.json(200, #"{"chaos_percent":\#(percent)}"#))
        case "/response-headers":
            return send(.json(200, #"{"ok":true}"#, extraHeaders: request.query))
        case "/slow":
            usleep(UInt32(max(0, request.queryInt("ms") ?? 1000)) * 1000)
            return send(.json(200, #"{"ok":true,"slow_ms":\#(request.queryInt("ms") ?? 1000)}"#))
        default:
            if path.hasPrefix("/status/") { return sendStatus(code: String(path.dropFirst("/status/".count))) }
            if path.hasPrefix("/fault/") { return fault(String(path.dropFirst("/fault/".count))) }
            if path == "/" || path.hasPrefix("/v1/") || path == "/v1" {
                return send(.json(200, #"{"ok":true,"method":\#(JSONText.quote(request.method)),"path":\#(JSONText.quote(path))}"#))
            }
            return send(.json(404, #"{"statusCode":404,"message":\#(JSONText.quote("Cannot \(request.method) \(path)")),"error":"Not Found"}"#))
        }
    }

    func send(_ response: Response) -> Outcome {
        response.write(to: stream, isHead: isHead, keepAlive: keepAlive) && keepAlive ? .keepAlive : .close
    }

    private func echo() -> Response {
        let headers = request.headers.map { "[\(JSONText.quote($0.name)),\(JSONText.quote($0.value))]" }.joined(separator: ",")
        let text = """
            {"method":\(JSONText.quote(request.method)),"target":\(JSONText.quote(bytes: request.rawTarget)),\
            "version":\(JSONText.quote(request.version)),"headers":[\(headers)],\
            "body_sha256":"\(SHA256Digest(hashing: request.body).hex)","body_length":\(request.body.count)}
            """
        return .json(200, text)
    }

    private func sendStatus(code text: String) -> Outcome {
        guard let code = Int(text), (100...999).contains(code) else {
            return send(.json(400, #"{"error":"status must be a number from 100 to 999"}"#))
        }
        var response = errorResponse(status: code, name: request.queryValue("body") ?? "",
                                     encoding: request.queryValue("encoding"), chunked: request.queryValue("chunked") == "1",
                                     blocks: request.queryValue("blocks") == "stored" ? .stored : .fixedHuffman)
        if let seconds = request.queryValue("retry_after") { response.headers.append(("Retry-After", seconds)) }
        if request.queryValue("ratelimit_headers") == "1" {
            response.headers += [("X-RateLimit-Limit", "100"), ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "1642248000")]
        }
        return send(response)
    }

    /// An error answer with a named body (see `ErrorBodies`), optionally gzip/deflate-encoded and chunked.
    func errorResponse(status: Int, name: String, encoding: String?, chunked: Bool,
                       blocks: HandmadeDeflate.BlockKind = .fixedHuffman) -> Response {
        let body = name.isEmpty ? ErrorBodies.generic(status: status) : (ErrorBodies.named(name) ?? ErrorBodies.generic(status: status))
        var headers: [(String, String)] = body.contentType.map { [("Content-Type", $0)] } ?? []
        var bytes = Array(body.text.utf8)
        switch encoding {
        case "gzip":
            bytes = HandmadeDeflate.gzip(bytes, kind: blocks)
            headers.append(("Content-Encoding", "gzip"))
        case "deflate":
            bytes = HandmadeDeflate.zlib(bytes, kind: blocks)
            headers.append(("Content-Encoding", "deflate"))
        default: break
        }
        return Response(status: status, headers: headers, body: bytes, chunked: chunked)
    }
}

extension Response {
    static func json(_ status: Int, _ text: String, extraHeaders: [(String, String)]) -> Response {
        var response = Response.json(status, text)
        response.headers += extraHeaders
        return response
    }
}
