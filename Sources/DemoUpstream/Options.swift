/// Command-line options of `demo-upstream`.
struct Options: Sendable {
    var host = "127.0.0.1"
    var port: UInt16 = 3000
    /// Idle keep-alive connections are closed after this many milliseconds (nil: never).
    var idleCloseMilliseconds: Int32?
    /// Every request after the first on a connection is read and then the connection is closed unanswered, as
    /// when a server closes an idle keep-alive connection just as a request arrives.
    var dropReusedConnections = false

    static let usage = """
        usage: demo-upstream [--listen HOST:PORT] [--idle-close-ms MS] [--drop-reused-connections]
          --listen HOST:PORT     address to listen on (default 127.0.0.1:3000; port 0 picks a free port)
          --idle-close-ms MS     close keep-alive connections idle for MS milliseconds
          --drop-reused-connections
                                 answer only the first request of each connection; close on the next one unanswered
        Prints "listening HOST:PORT" once ready. Endpoints: /, /v1/..., /echo, /bytes, /status/CODE,
        /redirect, /response-headers, /hits, /hits/reset, /connections, /health, /admin/health,
        /admin/fail-next, /admin/chaos, /admin/stall, /slow, /fault/{close-before-head,close-mid-body,never-answer,garbage-status}.
        Any request with close=1 in its query is answered with Connection: close, then the connection is closed.
        """

    /// Parses the arguments (without the program name); nil and a message when they are wrong.
    static func parse(_ arguments: [String]) -> Result<Options, OptionsError> {
        var options = Options()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--listen":
                guard let value = rest.popFirst(), let colon = value.lastIndex(of: ":"),
                      let port = UInt16(value[value.index(after: colon)...]) else {
                    return .failure(OptionsError(message: "--listen needs HOST:PORT"))
                }
                options.host = String(value[..<colon])
                options.port = port
            case "--idle-close-ms":
                guard let value = rest.popFirst(), let ms = Int32(value), ms > 0 else {
                    return .failure(OptionsError(message: "--idle-close-ms needs a positive number"))
                }
                options.idleCloseMilliseconds = ms
            case "--drop-reused-connections":
                options.dropReusedConnections = true
            case "--help", "-h":
                return .failure(OptionsError(message: usage, isHelp: true))
            default:
                return .failure(OptionsError(message: "unknown argument \(argument)\n\(usage)"))
            }
        }
        return .success(options)
    }
}

/// A command-line problem (or a request for help).
struct OptionsError: Error {
    var message: String
    var isHelp = false
}
