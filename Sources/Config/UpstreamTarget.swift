/// One entry of `upstream.targets`: `host:port` (plain HTTP) or `https://host:port` (TLS, SPEC §11).
public struct UpstreamTarget: Sendable, Hashable, CustomStringConvertible {
    /// Where to connect.
    public var address: HostPort
    /// Whether the connection speaks TLS (`https://`), with the settings of `upstream.tls`.
    public var usesTLS: Bool

    /// A target at `address`, plain unless `usesTLS`.
    public init(_ address: HostPort, usesTLS: Bool = false) {
        self.address = address
        self.usesTLS = usesTLS
    }

    /// As configured: `host:port` or `https://host:port`.
    public var description: String { usesTLS ? "https://\(address)" : address.description }

    /// `host:port`, `http://host:port` or `https://host:port` (a trailing `/` is allowed); port 1 to 65535.
    static let parser: ValueParser<UpstreamTarget> = {
        let address = ValueParser<HostPort>.address(allowPortZero: false)
        let allowed = "host:port or https://host:port such as 127.0.0.1:3000 or https://api.internal:443, port 1 to 65535"
        return ValueParser(allowed: allowed) { text, isPlain in
            var rest = Substring(text)
            var usesTLS = false
            if let scheme = rest.range(of: "://") {
                switch rest[..<scheme.lowerBound].lowercased() {
                case "https": usesTLS = true
                case "http": break
                default: return .failure(Complaint("\"\(rest[..<scheme.lowerBound])\" is not http or https"))
                }
                rest = rest[scheme.upperBound...]
                if rest.hasSuffix("/") { rest = rest.dropLast() }
                if rest.contains("/") { return .failure(Complaint("\"\(text)\" has a path (a target is a host and a port)")) }
            }
            return address.parse(String(rest), isPlain).map { UpstreamTarget($0, usesTLS: usesTLS) }
        }
    }()
}
