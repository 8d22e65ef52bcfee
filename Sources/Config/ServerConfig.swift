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
    /// The peers whose `X-Forwarded-For` is appended to and whose other forwarding headers are kept
    /// (SPEC §4); from every other peer they are replaced. None by default.
    public var trustedProxies: TrustedProxies
    /// Whether request headers whose name contains `_` are forwarded; false drops them (SPEC §4).
    public var underscoresInHeaders: Bool
    /// TLS on the listener (SPEC §11); nil serves plain HTTP.
    public var tls: ListenerTLSConfig?

    /// Creates a server section; every argument defaults to SPEC §3.
    public init(
        listen: HostPort = HostPort(host: "127.0.0.1", port: 8080),
        workers: Int = 0,
        maxHeaderBytes: Int = 16 * 1024,
        maxHeaderFields: Int = 100,
        maxBodyBytes: Int = 10 * 1024 * 1024,
        clientTimeout: Duration = .seconds(30),
        shutdownGrace: Duration = .seconds(10),
        trustedProxies: TrustedProxies = TrustedProxies(),
        underscoresInHeaders: Bool = false,
        tls: ListenerTLSConfig? = nil
    ) {
        self.listen = listen
        self.workers = workers
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderFields = maxHeaderFields
        self.maxBodyBytes = maxBodyBytes
        self.clientTimeout = clientTimeout
        self.shutdownGrace = shutdownGrace
        self.trustedProxies = trustedProxies
        self.underscoresInHeaders = underscoresInHeaders
        self.tls = tls
    }

    /// The defaults of SPEC §3.
    public static let `default` = ServerConfig()
}
