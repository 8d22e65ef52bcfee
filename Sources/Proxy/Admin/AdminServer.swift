import Engine
import Essentials
import Glibc
import HTTP1
import Logging
import Normaliser
import Resilience

/// A response the admin endpoint sends.
struct AdminResponse {
    var status: Int
    var contentType: String
    var body: [UInt8]
    /// Header lines sent besides the standard ones, each ending in CRLF.
    var extraHeaders: StaticString = ""
}

/// The admin listener (`admin.listen`): the dashboard (`/`), `/stats`, `/metrics`, `/healthz`, `/readyz`, on the
/// control loop, never on the public port. One request per connection (answers carry
/// `Connection: close`); a small fixed budget per connection keeps it cheap to probe.
final class AdminServer: IOHandler {
    /// Route handlers, by exact path (query ignored). Each runs on the control loop and answers through its
    /// argument, at once or later (live figures wait for the workers), on the control loop.
    struct Route {
        var requiresToken: Bool
        var handler: (_ answer: @escaping (AdminResponse) -> Void) -> Void

        /// A route answered later, through `answer`.
        static func deferred(requiresToken: Bool, _ handler: @escaping (_ answer: @escaping (AdminResponse) -> Void) -> Void) -> Route {
            Route(requiresToken: requiresToken, handler: handler)
        }

        /// A route answered at once.
        static func immediate(requiresToken: Bool, _ response: @escaping () -> AdminResponse) -> Route {
            Route(requiresToken: requiresToken) { answer in answer(response()) }
        }
    }

    /// A handler of the paths below a prefix, e.g. `/keys/<id>`: nil for a rest that names nothing (404 in
    /// the envelope, with `notFound` as its message).
    struct SubpathRoute {
        var requiresToken: Bool
        var notFound: String
        var handler: (_ rest: String) -> AdminResponse?
    }

    let fd: Int32
    private let loop: EventLoop
    private var watcher: IOWatcher?
    private var connections: [Int32: AdminConnection] = [:]
    let routes: [String: Route]
    /// Handlers of every path below a prefix ending in `/` (e.g. `/keys/`), given the rest of the path.
    let subpathRoutes: [String: SubpathRoute]
    let token: [UInt8]
    let httpDate = CurrentHTTPDate()

    init(fd: Int32, loop: EventLoop, token: String, routes: [String: Route], subpathRoutes: [String: SubpathRoute] = [:]) {
        self.fd = fd
        self.loop = loop
        self.token = Array(token.utf8)
        self.routes = routes
        self.subpathRoutes = subpathRoutes
        watcher = IOWatcher(loop: loop, fd: fd, handler: self, flags: [.read, .persist, .edgeTriggered])
    }

    func ioReady(_ flags: EventFlags) {
        while let (client, _) = Socket.accept(fd) {
            let connection = AdminConnection(fd: client, loop: loop, server: self)
            connections[client] = connection
        }
    }

    func remove(_ connection: AdminConnection) {
        connections[connection.fd] = nil
    }

    func close() {
        watcher?.cancel()
        watcher = nil
        Socket.close(fd)
        for connection in Array(connections.values) { connection.close() }
    }

    /// Answers one parsed request through `answer`, at once or later on the control loop.
    func respond(method: UnsafeRawBufferPointer, path: UnsafeRawBufferPointer, authorization: UnsafeRawBufferPointer?,
                 answer: @escaping (AdminResponse) -> Void) {
        let pathText = String(decoding: path.prefix { $0 != UInt8(ascii: "?") }, as: UTF8.self)
        let handler: (_ answer: @escaping (AdminResponse) -> Void) -> Void
        let requiresToken: Bool
        if let route = routes[pathText] {
            (handler, requiresToken) = (route.handler, route.requiresToken)
        } else if let slash = pathText.dropFirst().firstIndex(of: "/"),
                  let route = subpathRoutes[String(pathText[...slash])] {
            let rest = String(pathText[pathText.index(after: slash)...])
            handler = { [unowned self] answer in
                answer(route.handler(rest) ?? self.envelope(404, code: "RESOURCE_NOT_FOUND", message: route.notFound))
            }
            requiresToken = route.requiresToken
        } else {
            return answer(envelope(404, code: "RESOURCE_NOT_FOUND",
                                   message: "No such admin resource: try / (the dashboard), /stats, /metrics, /healthz or /readyz"))
        }
        guard method.equalsLowercase("get") || method.equalsLowercase("head") else {
            return answer(envelope(405, code: "METHOD_NOT_ALLOWED", message: "The admin endpoint answers GET only"))
        }
        if requiresToken && !token.isEmpty && !authorized(authorization) {
            return answer(envelope(401, code: ProxyError.missingAuthorization.code,
                                   message: "The admin endpoint needs Authorization: Bearer <admin token>"))
        }
        handler(answer)
    }

    /// Constant-time comparison of `Bearer <token>` with the configured token.
    private func authorized(_ header: UnsafeRawBufferPointer?) -> Bool {
        guard let header, header.count > 7, UnsafeRawBufferPointer(rebasing: header[0..<7]).equalsLowercase("bearer ") else { return false }
        let presented = UnsafeRawBufferPointer(rebasing: header[7...])
        var difference = UInt8(truncatingIfNeeded: presented.count ^ token.count)
        for i in 0..<token.count {
            difference |= token[i] ^ (i < presented.count ? presented[i] : 0)
        }
        return difference == 0
    }

    func envelope(_ status: Int, code: String, message: String) -> AdminResponse {
        let envelope = ErrorEnvelope(code: code, message: message, details: nil,
                                     timestamp: RFC3339.format(unixSeconds: SystemTime.wallSeconds()), requestID: RequestID.generate(using: &random))
        return AdminResponse(status: status, contentType: ErrorEnvelope.contentType, body: envelope.encoded())
    }

    private var random = FastRandom()
}

/// One admin client connection: reads one head, answers, closes.
final class AdminConnection: IOHandler {
    let fd: Int32
    private unowned let server: AdminServer
    private var watcher: IOWatcher?
    private var timer: LoopTimer?
    private let inbound = ByteBuffer()
    private let outbound = ByteBuffer()
    private var parser = RequestHeadParser(maxHeaderBytes: 8192, maxBodyBytes: 0)
    /// A request was read: nothing more is read (its answer may come later).
    private var requestTaken = false
    /// The answer is queued: the connection closes once it is written.
    private var answered = false

    init(fd: Int32, loop: EventLoop, server: AdminServer) {
        self.fd = fd
        self.server = server
        watcher = IOWatcher(loop: loop, fd: fd, handler: self)
        timer = LoopTimer(loop: loop) { [unowned self] in self.close() }
        timer?.arm(afterNanoseconds: 10_000_000_000)
    }

    func ioReady(_ flags: EventFlags) {
        guard watcher != nil else { return }
        if flags.contains(.read) && !requestTaken {
            let (result, _) = inbound.read(from: fd, limit: 8193)
            if result == .endOfFile { return close() }
            if case .failed = result { return close() }
            handleInput()
        }
        if flags.contains(.write) && !outbound.isEmpty && watcher != nil { flush() }
    }

    private func handleInput() {
        switch parser.parse(inbound.readable) {
        case .incomplete:
            return
        case .failed:
            requestTaken = true
            send(server.envelope(400, code: ProxyError.badRequest.code, message: "Malformed request"), headersOnly: false)
        case .complete(let head):
            requestTaken = true
            let buffer = inbound.readable
            var authorization: UnsafeRawBufferPointer? = nil
            for field in head.headers where HeaderName.classify(buffer, field.name) == .authorization {
                authorization = UnsafeRawBufferPointer(rebasing: buffer[field.value])
            }
            let headersOnly = head.isHEAD
            server.respond(
                method: UnsafeRawBufferPointer(rebasing: buffer[head.method]),
                path: UnsafeRawBufferPointer(rebasing: buffer[head.target]), authorization: authorization
            ) { [weak self] response in
                self?.send(response, headersOnly: headersOnly)
            }
        }
    }

    private func send(_ response: AdminResponse, headersOnly: Bool) {
        guard watcher != nil, !answered else { return }
        answered = true
        OwnResponse.appendStatusLine(response.status, to: outbound)
        outbound.append("Date: ")
        outbound.append(server.httpDate.current)
        outbound.append("\r\nContent-Type: ")
        outbound.append(response.contentType)
        outbound.append("\r\nContent-Length: ")
        outbound.append(decimal: response.body.count)
        outbound.append("\r\nCache-Control: no-store\r\nConnection: close\r\n")
        outbound.append(response.extraHeaders)
        outbound.append("\r\n")
        if !headersOnly { outbound.append(response.body) }
        flush()
    }

    private func flush() {
        guard watcher != nil else { return }
        let result = outbound.write(to: fd)
        if case .failed = result { return close() }
        if outbound.isEmpty && answered { close() }
    }

    func close() {
        guard watcher != nil else { return }
        watcher?.cancel()
        watcher = nil
        timer?.close()
        timer = nil
        Socket.close(fd)
        server.remove(self)
    }
}
