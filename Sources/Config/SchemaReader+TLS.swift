/// Reading `server.tls:` and `upstream.tls:` (SPEC §11). The files they name are read after the schema, by
/// whoever loads them; their keys' lines are kept in ``SluiceConfig/fileKeyLines``.
extension SchemaReader {
    static let listenerTLSKeys = ["certificate", "private_key", "min_version", "handshake_timeout"]
    static let upstreamTLSKeys = ["verify", "ca_file", "server_name", "client_certificate", "client_key"]

    /// `server.tls`: absent or null is nil (plain HTTP); a mapping needs `certificate` and `private_key`.
    static func readListenerTLS(_ server: MappingReader, fileKeyLines: inout FileKeyLines) -> ListenerTLSConfig? {
        guard let node = server.node("tls"), !node.isNull else { return nil }
        let tls = server.section("tls", known: listenerTLSKeys)
        guard tls.isValid else { return nil }
        let certificate = tls.required("certificate", pemPath)
        let privateKey = tls.required("private_key", pemPath)
        var config = ListenerTLSConfig(certificate: certificate ?? "", privateKey: privateKey ?? "")
        tls.read("min_version", .choice, into: &config.minVersion)
        tls.read("handshake_timeout", .duration(.milliseconds(10)...(.seconds(600))), into: &config.handshakeTimeout)
        for key in ["certificate", "private_key"] { fileKeyLines[tls.child(key)] = tls.line(of: key) }
        return config
    }

    /// `upstream.tls`: every key has a default; the client certificate and key come both or neither.
    static func readUpstreamTLS(_ tls: MappingReader, fileKeyLines: inout FileKeyLines) -> UpstreamTLSConfig {
        var config = UpstreamTLSConfig.default
        tls.read("verify", .boolean, into: &config.verify)
        tls.read("ca_file", optionalPEMPath, into: &config.caFile)
        tls.read("server_name", serverName, into: &config.serverName)
        let certificateValid = tls.read("client_certificate", optionalPEMPath, into: &config.clientCertificate)
        let keyValid = tls.read("client_key", optionalPEMPath, into: &config.clientKey)
        if certificateValid, keyValid, config.clientCertificate.isEmpty != config.clientKey.isEmpty {
            let present = config.clientCertificate.isEmpty ? "client_key" : "client_certificate"
            let missing = config.clientCertificate.isEmpty ? "client_certificate" : "client_key"
            tls.log.report(line: tls.line(of: present), path: tls.child(missing),
                           "is missing while \(present) is set (both for mutual TLS, or neither)")
        }
        for key in ["ca_file", "client_certificate", "client_key"] where tls.node(key) != nil {
            fileKeyLines[tls.child(key)] = tls.line(of: key)
        }
        return config
    }

    /// A PEM file's path, or `""` for none.
    static let optionalPEMPath = ValueParser<String>.text(allowed: "the path of a PEM file, or \"\"") { path in
        path.unicodeScalars.contains(where: { $0.value < 0x20 }) ? "the path contains control characters" : nil
    }

    /// `upstream.tls.server_name`: a host name, or `""` for each target's host.
    static let serverName = ValueParser<String>.text(allowed: "a host name such as api.example.com, or \"\"") { name in
        if name.isEmpty { return nil }
        let valid = name.count <= 253 && name.allSatisfy { $0.isASCIIDigit || $0.isASCIILetter || $0 == "-" || $0 == "." }
        return valid ? nil : "\"\(name)\" is not a host name"
    }

    /// The path of a PEM file (read after the schema).
    static let pemPath = ValueParser<String>.text(allowed: "the path of a PEM file") { path in
        if path.isEmpty { return "the path is empty" }
        if path.unicodeScalars.contains(where: { $0.value < 0x20 }) { return "the path contains control characters" }
        return nil
    }
}
