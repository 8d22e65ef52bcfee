import Config
import OpenSSLBinding

/// The TLS contexts one configuration needs (SPEC §11), made from the files it names: the listener's
/// certificate and key (`server.tls`). Made at start-up and again by every reload, so SIGHUP re-reads the
/// files: new handshakes use the new pair, open sessions keep theirs.
public struct TLSContexts: Sendable {
    /// The public listener's context; nil when it serves plain HTTP.
    let listener: TLSServerContext?

    /// No TLS anywhere.
    public static let none = TLSContexts(listener: nil)

    private init(listener: TLSServerContext?) {
        self.listener = listener
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
        guard problems.isEmpty else { throw ConfigError(problems: problems) }
        return TLSContexts(listener: listener)
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
