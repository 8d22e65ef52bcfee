import Foundation

/// An HTTPS upstream started by the test: Python's `http.server` behind `ssl`, HTTP/1.1 keep-alive. Every
/// answer is JSON; `/stats` tells how many TLS connections it accepted (and how many of them resumed a session),
/// which SNI names it saw, how many health checks came; every other path answers `{"path", "client"}` (the client certificate's CN, for mutual
/// TLS). `requireClientCertificateFrom` makes it refuse clients without a certificate from that CA.
final class HTTPSUpstream {
    let child: ChildProcess
    let port: UInt16
    private let scriptPath: String

    init(certificate: TestCertificates.Pair, requireClientCertificateFrom clientCA: String? = nil) throws {
        scriptPath = NSTemporaryDirectory() + "sluice-https-upstream-\(UUID().uuidString).py"
        try HTTPSUpstream.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        var arguments = [scriptPath, certificate.certificate, certificate.key]
        if let clientCA { arguments.append(clientCA) }
        child = try ChildProcess(executable: try ExternalTool.path(of: "python3"), arguments: ["-u"] + arguments)
        let line = try child.waitForLine(onStdout: true, timeout: 20) { $0.hasPrefix("listening ") }
        guard let port = UInt16(line.dropFirst("listening ".count)) else {
            throw ChildProcess.Timeout(description: "cannot read the port from: \(line)")
        }
        self.port = port
    }

    deinit {
        child.kill()
        try? FileManager.default.removeItem(atPath: scriptPath)
    }

    func stop() { child.kill() }

    /// `https://127.0.0.1:PORT`.
    var target: String { "https://127.0.0.1:\(port)" }

    /// Its `/stats`, fetched by curl (certificate not checked: this is the test asking its own server).
    func stats() throws -> [String: Any] {
        let result = try ExternalTool.run("curl", ["-sS", "-k", "--max-time", "10", "https://127.0.0.1:\(port)/stats"])
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw ChildProcess.Timeout(description: "no stats: \(result.stdout) \(result.stderr)")
        }
        return object
    }

    static let script = #"""
import json, ssl, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"connections": 0, "resumed": 0, "sni": [], "health_checks": 0}

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def do_GET(self):
        if self.path == "/stats":
            with lock: body = dict(state)
        elif self.path == "/health":
            with lock: state["health_checks"] += 1
            body = {"status": "ok"}
        else:
            peer = self.connection.getpeercert() or {}
            subject = dict(item[0] for item in peer.get("subject", ()))
            body = {"path": self.path, "client": subject.get("commonName")}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

def remember_sni(sock, name, context):
    if name:
        with lock: state["sni"].append(name)

context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
context.sni_callback = remember_sni
if len(sys.argv) > 3:
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(sys.argv[3])

class Server(ThreadingHTTPServer):
    daemon_threads = True
    def get_request(self):
        sock, address = self.socket.accept()
        with lock: state["connections"] += 1
        tls = context.wrap_socket(sock, server_side=True)
        if tls.session_reused:
            with lock: state["resumed"] += 1
        return tls, address

server = Server(("127.0.0.1", 0), Handler)
print("listening %d" % server.server_address[1], flush=True)
server.serve_forever()
"""#
}
