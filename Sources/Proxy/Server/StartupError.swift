import Config
import Engine
import Stats

/// Why the proxy could not start: a socket could not be made (a bind, an address that does not resolve), or
/// the access log or a TLS certificate or key could not be opened.
public struct StartupError: Error, CustomStringConvertible {
    private enum Code {
        case socket(SocketError)
        case accessLog(AccessLogWriter.OpenError)
        case tls(ConfigError)
    }

    private let code: Code

    init(_ error: SocketError) { code = .socket(error) }

    init(_ error: AccessLogWriter.OpenError) { code = .accessLog(error) }

    init(_ error: ConfigError) { code = .tls(error) }

    /// The failed call or file and the system's reason, e.g. `cannot open access log /x/y: No such file or directory`.
    public var description: String {
        switch code {
        case .socket(let error): return error.description
        case .accessLog(let error): return error.description
        case .tls(let error): return error.description
        }
    }
}
