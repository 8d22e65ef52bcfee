/// Reading `server.tls:` and `upstream.tls:` (SPEC §11). The files they name are read after the schema, by
/// whoever loads them; their keys' lines are kept in ``SluiceConfig/fileKeyLines``.
extension SchemaReader {
    static let listenerTLSKeys = ["certificate", "private_key", "min_version", "handshake_timeout"]

    /// `server.tls`: absent or null is nil (plain HTTP); a mapping needs `certificate` and `private_key`.
    static func readListenerTLS(_ server: MappingReader, fileKeyLines: inout [String: Int]) -> ListenerTLSConfig? {
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

    /// The path of a PEM file (read after the schema).
    static let pemPath = ValueParser<String>.text(allowed: "the path of a PEM file") { path in
        if path.isEmpty { return "the path is empty" }
        if path.unicodeScalars.contains(where: { $0.value < 0x20 }) { return "the path contains control characters" }
        return nil
    }
}
