import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

extension UpstreamProcess {
    /// Starts a demo-upstream on a given port of 127.0.0.1 (e.g. one that was dead a moment ago).
    convenience init(port: UInt16) throws {
        try self.init(extraArguments: ["--listen", "127.0.0.1:\(port)"])
    }
}

/// One entry of `upstreams` in sluice's admin `/stats` (SPEC §8).
struct UpstreamTargetStats {
    var target: String
    var healthy: Bool
    var circuit: String
    var requests: Int
    var failures: Int
}

/// Helpers for the resilience and soak tests (SPEC §6): dead ports, upstream switches, the admin `/stats`,
/// and waiting for a state that sluice publishes asynchronously.
extension IntegrationTestCase {
    /// A port on 127.0.0.1 where nothing listens (bound to port 0, then closed): connecting is refused.
    static func deadPort() throws -> UInt16 {
        try RawHTTPClient.unusedPort()
    }

    /// Sends `GET path` straight to an upstream (bypassing sluice), e.g. `/admin/fail-next?n=2`, and checks the 200.
    func command(_ upstream: UpstreamProcess, _ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let client = try upstream.connect()
        defer { client.close() }
        let response = try client.request("GET", path)
        XCTAssertEqual(response?.status, 200, "upstream \(path): \(response?.text ?? "no answer")", file: file, line: line)
    }

    /// A `GET` on sluice's admin listener.
    func admin(_ path: String) throws -> HTTPResponse {
        guard let port = sluice?.adminPort else { throw RawHTTPClient.Failure.connect("sluice has no admin listener") }
        let client = try RawHTTPClient(port: port)
        defer { client.close() }
        guard let response = try client.request("GET", path) else { throw RawHTTPClient.Failure.truncated("admin \(path)") }
        return response
    }

    /// The `upstreams` list of the admin `/stats`, in `upstream.targets` order.
    func upstreamStats() throws -> [UpstreamTargetStats] {
        let response = try admin("/stats")
        guard let list = response.jsonObject?["upstreams"] as? [[String: Any]] else {
            throw RawHTTPClient.Failure.malformed("no upstreams in /stats: \(response.text.prefix(300))")
        }
        return try list.map { entry in
            guard let target = entry["target"] as? String, let healthy = entry["healthy"] as? Bool,
                  let circuit = entry["circuit"] as? String, let requests = entry["requests"] as? Int,
                  let failures = entry["failures"] as? Int else {
                throw RawHTTPClient.Failure.malformed("upstream entry: \(entry)")
            }
            return UpstreamTargetStats(target: target, healthy: healthy, circuit: circuit, requests: requests, failures: failures)
        }
    }

    /// The `/stats` entry of the target `address`.
    func upstreamStats(of address: String) throws -> UpstreamTargetStats {
        guard let entry = try upstreamStats().first(where: { $0.target == address }) else {
            throw RawHTTPClient.Failure.malformed("no /stats entry for \(address)")
        }
        return entry
    }

    /// Polls `condition` every 20 ms until it holds; throws (failing the test) after `timeout` seconds. For state
    /// that sluice or the upstream reach by themselves (stats are published every 100 ms, health checks run on their
    /// interval); `describe` says what was seen last.
    func waitUntil(_ what: String, timeout: TimeInterval = 5,
                   describe: () -> String = { "" }, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(20_000)
        }
        if try condition() { return }
        throw ChildProcess.Timeout(description: "not within \(timeout) s: \(what) \(describe())")
    }

    /// Sends one request on a new connection to sluice; returns the response (nil: closed without one) and the seconds it took.
    func timedRequest(_ method: String, _ target: String) throws -> (HTTPResponse?, TimeInterval) {
        let client = try connectToSluice()
        let started = Date()
        let response = try client.request(method, target)
        return (response, Date().timeIntervalSince(started))
    }

    /// `Retry-After` as whole seconds, if present and numeric.
    func retryAfterSeconds(_ response: HTTPResponse?) -> Int? {
        response?.header("retry-after").flatMap { Int($0) }
    }
}

/// A listening socket that never accepts. With `acceptQueueFull` its queue is filled first: new connections hang
/// in the handshake (the kernel drops their SYNs), so a connect can only time out. Without it, connections complete
/// (the kernel queues them) but nobody ever reads: a request is sent into the socket buffer and never answered.
final class BlackholeListener {
    let port: UInt16
    private var descriptors: [Int32] = []

    init(acceptQueueFull: Bool = true) throws {
        let (listener, port) = try LoopbackSocket.bind(listenBacklog: acceptQueueFull ? 0 : 64)
        descriptors.append(listener)
        self.port = port
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        // Fill the accept queue (backlog 0 holds one or two) with connections nobody accepts.
        for _ in 0..<(acceptQueueFull ? 4 : 0) {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard filler >= 0 else { continue }
            descriptors.append(filler)
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        if acceptQueueFull { usleep(50_000) }  // let the handshakes that can complete do so
    }

    /// "127.0.0.1:PORT".
    var address: String { "127.0.0.1:\(port)" }

    deinit { descriptors.forEach { _ = Glibc.close($0) } }
}
