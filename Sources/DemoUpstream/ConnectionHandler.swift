/// Serves the requests of one client connection, one after another, on its own thread.
struct ConnectionHandler {
    let state: ServerState
    let options: Options

    func serve(fd: Int32) {
        state.update { $0.connectionsAccepted += 1; $0.connectionsOpen += 1 }
        let stream = SocketStream(fd: fd)
        var outcome = Router.Outcome.keepAlive
        defer {
            if outcome != .closed { stream.close() }
            state.update { $0.connectionsOpen -= 1 }
        }
        var served = 0
        while outcome == .keepAlive {
            if let idle = options.idleCloseMilliseconds, !stream.waitReadable(milliseconds: idle) { return }
            guard let head = stream.readHead() else { return }
            guard var request = Request.parseHead(head) else {
                stream.write("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 30\r\nConnection: close\r\n\r\n{\"error\":\"malformed request\"}\n")
                return
            }
            if request.header("expect")?.lowercased() == "100-continue" { stream.write("HTTP/1.1 100 Continue\r\n\r\n") }
            guard request.readBody(from: stream) else { return }
            if options.dropReusedConnections && served > 0 { return }  // read, not counted, never answered
            served += 1
            // `close=1` in the query makes the upstream itself end the connection after answering.
            let keepAlive = !request.wantsClose && request.queryValue("close") != "1"
            let router = Router(state: state, stream: stream, request: request, keepAlive: keepAlive)
            outcome = router.handle()
        }
    }
}
