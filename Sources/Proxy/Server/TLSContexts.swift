import Config
import OpenSSLBinding

/// The TLS contexts one configuration needs (SPEC §11), made from the files it names: the listener's
/// certificate and key (`server.tls`), and what `https://` targets are verified against and offered
/// (`upstream.tls`). Made at start-up and again by every reload, so SIGHUP re-reads the files: new handshakes
/// use the new pair, open sessions keep theirs.
public struct TLSContexts: Sendable {
    /// The public listener's context; nil when it serves plain HTTP.
    let listener: TLSServerContext?
    /// The context of connections to `https://` targets; nil when there are none.
    let upstream: TLSClientContext?

    /// No TLS anywhere.
    public static let none = TLSContexts(listener: nil, upstream: nil)

    private init(listener: TLSServerContext?, upstream: TLSClientContext?) {
        self.listener = listener
        self.upstream = upstream
    }

    /// Whether `https://` targets are used with `upstream.tls.verify: false` (to be logged as a warning).
    public static func skipsVerification(_ config: SluiceConfig) -> Bool {
        !config.upstream.tls.verify && config.upstream.targets.contains(where: \.usesTLS)
    }

    /// Loads every file `config` names; throws each problem at the line of the key that names the file
    /// (`FILE:LINE: server.tls.private_key: … does not match the certificate …`), as `sluice check` prints them.
    public static func load(_ config: SluiceConfig, file: String) throws(ConfigError) -> TLSContexts {
        var problems: [ConfigProblem] = []
        var listener: TLSServerContext? = nil
        if let tls = config.server.tls {
            let version: TLSVersion = tls.minVersion == .tls13 ? .tls13 : .tls12
            do {
                listener = try TLSServerContext(certificate: tls.certificate, privateKey: tls.privateKey, minimumVersion: version)
            } catch {
                problems += error.problems(config, file: file, certificate: "server.tls.certificate", key: "server.tls.private_key")
            }
        }
        var upstream: TLSClientContext? = nil
        if config.upstream.targets.contains(where: \.usesTLS) {
            let tls = config.upstream.tls
            let client = tls.clientCertificate.isEmpty ? nil : (certificate: tls.clientCertificate, privateKey: tls.clientKey)
            do {
                upstream = try TLSClientContext(verify: tls.verify, caFile: tls.caFile.isEmpty ? nil : tls.caFile,
                                                clientCertificate: client)
            } catch {
                problems += error.problems(config, file: file, certificate: "upstream.tls.client_certificate",
                                           key: "upstream.tls.client_key", caFile: "upstream.tls.ca_file")
            }
        }
        guard problems.isEmpty else { throw ConfigError(problems: problems) }
        return TLSContexts(listener: listener, upstream: upstream)
    }
}

extension TLSContextError {
    /// The problems as configuration problems, each at the line of the key naming its file.
    func problems(_ config: SluiceConfig, file: String, certificate: String, key: String, caFile: String? = nil) -> [ConfigProblem] {
        if let failure {
            return [ConfigProblem(file: file, line: config.fileKeyLines[certificate] ?? 0, keyPath: certificate,
                                  message: "cannot be loaded: \(failure)")]
        }
        return problems.map { problem in
            let path: String
            switch problem.role {
            case .certificate: path = certificate
            case .privateKey: path = key
            case .caBundle: path = caFile ?? certificate
            }
            return ConfigProblem(file: file, line: config.fileKeyLines[path] ?? 0, keyPath: path, message: problem.message)
        }
    }
}
