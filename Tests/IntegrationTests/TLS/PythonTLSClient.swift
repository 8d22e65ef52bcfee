import Foundation

/// Python's `ssl` as a TLS client of sluice, for what curl does not show: which versions a handshake may use,
/// and whether a second connection resumes the first one's session. Each call prints one JSON object.
enum PythonTLSClient {
    /// A handshake limited to exactly `version` ("1.2" or "1.3"): the version agreed, or the error.
    static func handshake(port: UInt16, caFile: String, version: String) throws -> [String: Any] {
        try run(["version", "\(port)", caFile, version])
    }

    /// Two connections, the second offering the first one's session: whether it was reused, per version.
    static func resumption(port: UInt16, caFile: String, version: String) throws -> [String: Any] {
        try run(["resume", "\(port)", caFile, version])
    }

    private static func run(_ arguments: [String]) throws -> [String: Any] {
        let result = try ExternalTool.run("python3", ["-c", script] + arguments)
        guard let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw ChildProcess.Timeout(description: "python3 printed no JSON: \(result.stdout) \(result.stderr)")
        }
        return object
    }

    private static let script = #"""
import json, socket, ssl, sys
mode, port, cafile, version = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
v = ssl.TLSVersion.TLSv1_3 if version == "1.3" else ssl.TLSVersion.TLSv1_2
context = ssl.create_default_context(cafile=cafile)
context.minimum_version = v
context.maximum_version = v
context.set_alpn_protocols(["http/1.1"])

def connect(session=None):
    s = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="localhost", session=session)
    s.sendall(b"GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk: break
        data += chunk
    return s, data

try:
    s, data = connect()
    if mode == "version":
        print(json.dumps({"ok": True, "version": s.version(), "alpn": s.selected_alpn_protocol(), "status": data[:12].decode()}))
    else:
        # A TLS 1.3 ticket arrives after the handshake: the answer was read, so it has.
        session = s.session
        s.close()
        s2, data2 = connect(session)
        print(json.dumps({"ok": True, "version": s2.version(), "reused": s2.session_reused, "status": data2[:12].decode()}))
except (ssl.SSLError, OSError) as error:
    print(json.dumps({"ok": False, "error": str(error)}))
"""#
}
