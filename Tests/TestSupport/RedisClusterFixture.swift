import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A throw-away Redis Cluster of 3 masters and 3 replicas on free loopback ports (`redis-cli --cluster create
/// … --cluster-replicas 1`, `cluster-node-timeout` 1000 ms, each node in its own temporary directory with its
/// own bus port), for the
/// cluster store's tests: nodes killed by PID, failovers and slot migrations waited for, keys located.
public final class RedisClusterFixture {
    /// Every node, masters and replicas, in the order created.
    public private(set) var nodes: [RedisTestServer] = []
    private let directory: URL

    /// Starts six nodes, joins them into one cluster and waits until every node reports `cluster_state:ok`;
    /// skips the test when redis-server or redis-cli is missing.
    public init() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-cli") else {
            throw XCTSkip("redis-cli is not installed")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-cluster-\(UUID().uuidString)")
        for index in 0..<6 {
            let dir = directory.appendingPathComponent("node-\(index)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            // The bus port is given (Redis 7's cluster-port): the default, port + 10000, is past 65535 for a
            // high free port.
            nodes.append(try RedisTestServer(extraArguments: [
                "--cluster-enabled", "yes", "--cluster-node-timeout", "1000", "--dir", dir.path,
                "--cluster-port", String(try LoopbackSocket.unusedPort()),
                // Replicas sync at once (no 5 s diskless delay) and may always be promoted, however long they
                // were disconnected on a loaded machine.
                "--repl-diskless-sync-delay", "0", "--cluster-replica-validity-factor", "0",
            ]))
        }
        let create = try ChildProcess(executable: "/usr/bin/redis-cli", arguments: ["--cluster", "create"]
            + nodes.map(\.address) + ["--cluster-replicas", "1", "--cluster-yes"])
        guard (try? create.waitForExit(timeout: 60)) == 0 else {
            throw ChildProcess.Timeout(description: "redis-cli --cluster create failed:\n\(create.allOutput)")
        }
        try waitUntil(timeout: 30, "the cluster is ok on every node") { self.isSettled() }
        try waitUntil(timeout: 30, "every replica in sync with its master") {
            self.nodes.filter { (try? $0.command("ROLE"))?.elements.first?.text == "slave" }.count == 3
                && self.nodes.allSatisfy { node in
                    let info = (try? node.command("INFO", "replication"))?.text ?? ""
                    return info.contains("role:master") || info.contains("master_link_status:up")
                }
        }
    }

    deinit {
        for node in nodes { node.kill() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// The seed list for `rate_limit.redis.cluster`: every node.
    public var seeds: [String] { nodes.map(\.address) }

    /// The node listening on `port`.
    public func node(_ port: UInt16) -> RedisTestServer? { nodes.first { $0.port == port } }

    /// The slot ranges and their master's port, as a live node's `CLUSTER SLOTS` says.
    public func slotOwners() -> [(slots: ClosedRange<Int>, port: UInt16)] {
        for node in nodes {
            guard let reply = try? node.command("CLUSTER", "SLOTS"), case .array(let ranges?) = reply else { continue }
            return ranges.compactMap { range in
                let fields = range.elements
                guard fields.count >= 3, let start = fields[0].integer, let end = fields[1].integer,
                      let port = fields[2].elements.dropFirst().first?.integer else { return nil }
                return (start...end, UInt16(port))
            }
        }
        return []
    }

    /// The ports of the masters serving slots.
    public var masterPorts: [UInt16] { Array(Set(slotOwners().map(\.port))).sorted() }

    /// The master serving `slot`.
    public func master(of slot: Int) -> UInt16? { slotOwners().first { $0.slots.contains(slot) }?.port }

    /// The keys a master holds matching `pattern`.
    public func keys(on port: UInt16, matching pattern: String = "*") -> [String] {
        (try? node(port)?.command("KEYS", pattern))?.elements.compactMap(\.text) ?? []
    }

    /// `CLUSTER KEYSLOT key`.
    public func slot(of key: String) -> Int? {
        nodes.lazy.compactMap { (try? $0.command("CLUSTER", "KEYSLOT", key))?.integer }.first
    }

    /// The node id of the node on `port`.
    public func nodeID(_ port: UInt16) -> String? {
        (try? node(port)?.command("CLUSTER", "MYID"))?.text
    }

    /// Kills the node on `port` (SIGKILL by PID).
    public func kill(_ port: UInt16) { node(port)?.kill() }

    /// Whether every live node says `cluster_state:ok` and every slot has a master that is alive.
    public func isSettled(without dead: Set<UInt16> = []) -> Bool {
        let live = nodes.filter { !dead.contains($0.port) }
        guard live.allSatisfy({ ((try? $0.command("CLUSTER", "INFO"))?.text ?? "").contains("cluster_state:ok") }) else {
            return false
        }
        let owners = slotOwners()
        return owners.map { $0.slots.count }.reduce(0, +) == 16_384 && owners.allSatisfy { !dead.contains($0.port) }
    }

    /// Polls `condition` every 50 ms (waiting for other processes, not passing test time) until it holds or
    /// `timeout` seconds have passed; throws then.
    public func waitUntil(timeout: TimeInterval, _ what: String, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            guard Date() < deadline else { throw ChildProcess.Timeout(description: "not within \(timeout) s: \(what)") }
            usleep(50_000)
        }
    }
}
