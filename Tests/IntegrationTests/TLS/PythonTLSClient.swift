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

    /// The SHA-256 fingerprint (lowercase hex) of the certificate a new handshake gets.
    static func certificateFingerprint(port: UInt16) throws -> String {
        let result = try run(["fingerprint", "\(port)", "-", "1.2"])
        guard let fingerprint = result["fingerprint"] as? String else {
            throw ChildProcess.Timeout(description: "no fingerprint: \(result)")
        }
        return fingerprint
    }

    /// A connection kept open in the background: it prints `{"first": STATUS, "fingerprint": …}` after one request,
    /// then waits until `goFile` exists and prints `{"second": STATUS}` for a second request on the same
    /// connection.
    static func holdConnection(port: UInt16, caFile: String, goFile: String) throws -> ChildProcess {
        try ChildProcess(executable: try ExternalTool.path(of: "python3"), arguments: ["-u", "-c", script, "hold", "\(port)", caFile, goFile])
    }

    private static func run(_ arguments: [String]) throws -> [String: Any] {
        let result = try ExternalTool.run("python3", ["-c", script] + arguments)
        guard let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw ChildProcess.Timeout(description: "python3 printed no JSON: \(result.stdout) \(result.stderr)")
        }
        return object
    }

    private static let script = #"""
import hashlib, json, os, socket, ssl, sys, time
mode, port, cafile, version = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
if mode == "fingerprint":
    pem = ssl.get_server_certificate(("127.0.0.1", port))
    print(json.dumps({"fingerprint": hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()}))
    sys.exit(0)
context = ssl.create_default_context(cafile=cafile)
if mode != "hold":
    v = ssl.TLSVersion.TLSv1_3 if version == "1.3" else ssl.TLSVersion.TLSv1_2
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
    if mode == "hold":
        der = s.getpeercert(binary_form=True)
        print(json.dumps({"first": data[:12].decode(), "fingerprint": hashlib.sha256(der).hexdigest()}), flush=True)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
        while len(body) < length: body += s.recv(65536)
        deadline = time.time() + 60
        while not os.path.exists(version) and time.time() < deadline: time.sleep(0.05)
        s.sendall(b"GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n")
        print(json.dumps({"second": s.recv(65536)[:12].decode()}), flush=True)
    elif mode == "version":
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
