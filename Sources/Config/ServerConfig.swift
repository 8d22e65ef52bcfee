/// The public listener and limits on what a client may send (`server:`).
public struct ServerConfig: Sendable, Equatable {
    /// Address of the public listener; port 0 picks a free port.
    public var listen: HostPort
    /// Event-loop threads; 0 means one per CPU core.
    public var workers: Int
    /// Largest request head (request line and headers) accepted; over it: 431.
    public var maxHeaderBytes: Int
    /// Most header fields a request head may have; over it: 431.
    public var maxHeaderFields: Int
    /// Largest request body accepted; over it: 413.
    public var maxBodyBytes: Int
    /// Idle keep-alive, incomplete request head, or stalled body limit.
    public var clientTimeout: Duration
    /// How long in-flight requests may finish after SIGTERM/SIGINT.
    public var shutdownGrace: Duration

    /// Creates a server section; every argument defaults to SPEC §3.
    public init(
        listen: HostPort = HostPort(host: "127.0.0.1", port: 8080),
        workers: Int = 0,
        maxHeaderBytes: Int = 16 * 1024,
        maxHeaderFields: Int = 100,
        maxBodyBytes: Int = 10 * 1024 * 1024,
        clientTimeout: Duration = .seconds(30),
        shutdownGrace: Duration = .seconds(10)
    ) {
        self.listen = listen
        self.workers = workers
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderFields = maxHeaderFields
        self.maxBodyBytes = maxBodyBytes
        self.clientTimeout = clientTimeout
        self.shutdownGrace = shutdownGrace
    }

    /// The defaults of SPEC §3.
    public static let `default` = ServerConfig()
}
