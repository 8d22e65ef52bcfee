import Yams

/// Reads the node tree of a configuration file into `SluiceConfig`, reporting every problem.
enum SchemaReader {
    static let rootKeys = ["server", "admin", "upstream", "auth", "rate_limit", "errors", "logging"]
    static let serverKeys = [
        "listen", "workers", "max_header_bytes", "max_header_fields", "max_body_bytes", "client_timeout", "shutdown_grace",
        "trusted_proxies", "underscores_in_headers", "tls",
    ]
    static let adminKeys = ["listen", "token"]
    static let loggingKeys = ["level", "access_log"]

    /// The configuration in `root`; values with problems keep their defaults.
    static func read(root: Node?, log: ProblemLog) -> SluiceConfig {
        let top = MappingReader(root, path: "", line: 1, known: rootKeys, log: log)
        let server = top.section("server", known: serverKeys)
        let admin = top.section("admin", known: adminKeys)
        var config = SluiceConfig.default
        let serverListenValid = server.read("listen", .address(allowPortZero: true), into: &config.server.listen)
        readServer(server, into: &config.server)
        config.server.tls = readListenerTLS(server, fileKeyLines: &config.fileKeyLines)
        let adminListenValid = admin.read("listen", adminListen, into: &config.admin.listen)
        admin.read("token", token, into: &config.admin.token)
        config.upstream = readUpstream(top.section("upstream", known: upstreamKeys), fileKeyLines: &config.fileKeyLines)
        config.auth = readAuth(top.section("auth", known: authKeys))
        config.rateLimit = readRateLimit(top.section("rate_limit", known: rateLimitKeys))
        config.errors = readErrors(top.section("errors", known: errorsKeys))
        let logging = top.section("logging", known: loggingKeys)
        logging.read("level", .choice, into: &config.logging.level)
        logging.read("access_log", accessLog, into: &config.logging.accessLog)

        if serverListenValid, adminListenValid, let adminListen = config.admin.listen,
           conflicts(adminListen, config.server.listen) {
            log.report(line: admin.line(of: "listen"), path: admin.child("listen"),
                       "\(adminListen) clashes with server.listen \(config.server.listen) (a different port, or port 0)")
        }
        return config
    }

    private static func readServer(_ server: MappingReader, into config: inout ServerConfig) {
        server.read("workers", .integer(0...1024), into: &config.workers)
        server.read("max_header_bytes", .size(256...(1 << 20)), into: &config.maxHeaderBytes)
        server.read("max_header_fields", .integer(1...10_000), into: &config.maxHeaderFields)
        server.read("max_body_bytes", .size(1...(1 << 30)), into: &config.maxBodyBytes)
        server.read("client_timeout", .duration(.milliseconds(10)...(.seconds(3600))), into: &config.clientTimeout)
        server.read("shutdown_grace", .duration(.zero...(.seconds(3600))), into: &config.shutdownGrace)
        if let items = server.list("trusted_proxies", of: trustedProxy.allowed) {
            config.trustedProxies = TrustedProxies(
                items.compactMap { server.log.value(of: $0.node, path: $0.path, line: $0.line, trustedProxy) })
        }
        server.read("underscores_in_headers", .boolean, into: &config.underscoresInHeaders)
    }

    /// One item of `server.trusted_proxies`: an address or a CIDR range.
    static let trustedProxy = ValueParser<AddressRange>(
        allowed: "IP addresses and CIDR ranges, e.g. [\"10.0.0.0/8\", \"192.0.2.7\", \"2001:db8::/32\"]"
    ) { text, _ in AddressRange.parse(text) }

    /// Two listen addresses that cannot both be bound: same non-zero port on the same or a wildcard host.
    static func conflicts(_ a: HostPort, _ b: HostPort) -> Bool {
        a.port != 0 && a.port == b.port && (a.host == b.host || a.isWildcard || b.isWildcard)
    }

    /// `admin.listen`: an address, or `""`, `off` or null to disable the admin listener.
    static let adminListen: ValueParser<HostPort?> = {
        let address = ValueParser<HostPort>.address(allowPortZero: true)
        return ValueParser<HostPort?>(allowed: "\(address.allowed); \"\" or off disables", nullValue: .some(nil)) { text, isPlain in
            if text.isEmpty || text == "off" || (isPlain && ["false", "no"].contains(text.lowercased())) {
                return .success(nil)
            }
            return address.parse(text, isPlain).map { $0 }
        }
    }()

    /// `admin.token`: any text without spaces or control characters.
    static let token = ValueParser<String>.text(allowed: "text without spaces; \"\" for no token") { text in
        text.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
            ? "the token contains spaces or control characters" : nil
    }

    /// `logging.access_log`: `stdout`, `off`, or a file path.
    static let accessLog = ValueParser<AccessLogDestination>(allowed: "stdout, off, or a file path") { text, isPlain in
        switch text {
        case "stdout": return .success(.stdout)
        case "off": return .success(.off)
        case "stderr": return .success(.file("/dev/stderr"))
        case "": return .failure(Complaint("the path is empty"))
        default:
            if isPlain && ["false", "no"].contains(text.lowercased()) { return .success(.off) }
            if isPlain && ["true", "yes", "on"].contains(text.lowercased()) {
                return .failure(Complaint("\(text) is not a destination"))
            }
            if text.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                return .failure(Complaint("the path contains control characters"))
            }
            return .success(.file(text))
        }
    }
}
