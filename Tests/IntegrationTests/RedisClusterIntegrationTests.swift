import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// SPEC §13 `redis.cluster` through the real binary, against a real 6-node Redis Cluster (3 masters, 3 replicas)
/// started by the test: two sluice instances enforce one limit exactly for keys spread over every master; a
/// master killed by PID is followed to its promoted replica without restarting sluice, requests in the gap
/// answered within the timeout as `on_failure` says; a slot migrated under traffic (`ASK`, then `MOVED`) keeps
/// the limit exact.
final class RedisClusterIntegrationTests: IntegrationTestCase {
    private var cluster: RedisClusterFixture?
    private var secondSluice: SluiceProcess?
    private typealias Outcome = RedisIntegrationTests.Outcome

    override func tearDown() {
        if let secondSluice, hasRecordedFailures {
            print("---- second sluice output (\(name)) ----\n\(secondSluice.output)\n---- end ----")
        }
        secondSluice?.stop()
        secondSluice = nil
        cluster = nil
        super.tearDown()
    }

    /// Starts the cluster and two sluice instances (2 workers each) on it; returns their ports.
    private func startInstances(onFailure: String, timeout: String = "300ms") throws -> (RedisClusterFixture, [UInt16]) {
        let cluster = try RedisClusterFixture()
        self.cluster = cluster
        let seeds = cluster.seeds.map { "\"\($0)\"" }.joined(separator: ", ")
        let configuration = config { config in
            config.server = ["workers: 2"]
            config.rateLimit = ["enabled: true", "store: redis"] + RedisIntegrationTests.minuteLimit + [
                "redis: { cluster: [\(seeds)], timeout: \(timeout), on_failure: \(onFailure) }",
            ]
        }
        let first = try startSluice { $0 = configuration }
        let second = try SluiceProcess(config: configuration)
        secondSluice = second
        return (cluster, [first.port, second.port])
    }

    private func get(_ port: UInt16, _ key: String) -> Outcome { RedisIntegrationTests.get(port, key: key) }

    /// `count` requests for `key` alternating between `instances`, from 3 threads at once.
    private func burst(_ instances: [UInt16], _ key: String, count: Int) -> [Outcome] {
        let outcomes = LockedList<Outcome>()
        DispatchQueue.concurrentPerform(iterations: 3) { thread in
            for request in stride(from: thread, to: count, by: 3) {
                outcomes.append(RedisIntegrationTests.get(instances[request % instances.count], key: key))
            }
        }
        return outcomes.items
    }

    /// Checks that `outcomes` are exactly 10 admitted (remaining 9…0, each once) and the rest refused.
    private func assertExactlyTen(_ outcomes: [Outcome], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let admitted = outcomes.filter { $0.status == 200 }
        XCTAssertEqual(admitted.count, 10, "\(what): \(RedisIntegrationTests.summary(outcomes))", file: file, line: line)
        XCTAssertEqual(admitted.compactMap(\.remaining).sorted(), Array(0...9), what, file: file, line: line)
        let others = outcomes.filter { $0.status != 200 && $0.status != 429 }
        XCTAssertEqual(Set(outcomes.filter { $0.status != 200 }.map(\.status)), [429],
                       "\(what): \(others.map { "\($0.status) after \(Int($0.seconds * 1000)) ms \($0.code ?? "")" })",
                       file: file, line: line)
    }

    /// The sluice keys on each master.
    private func keysPerMaster(_ cluster: RedisClusterFixture) -> [UInt16: [String]] {
        Dictionary(uniqueKeysWithValues: cluster.masterPorts.map { ($0, cluster.keys(on: $0, matching: "sluice:rl:*")) })
    }

    func testTwoInstancesEnforceOneLimitExactlyForKeysOnEveryMaster() throws {
        let (cluster, instances) = try startInstances(onFailure: "deny")
        for index in 0..<12 {
            assertExactlyTen(burst(instances, "key-spread-\(index)", count: 13), "key-spread-\(index)")
        }
        let perMaster = keysPerMaster(cluster)
        XCTAssertEqual(perMaster.values.map(\.count).reduce(0, +), 12, "one key per identity: \(perMaster)")
        XCTAssertEqual(perMaster.count, 3)
        XCTAssertTrue(perMaster.values.allSatisfy { !$0.isEmpty }, "keys on every master: \(perMaster)")
        for (port, keys) in perMaster {
            for key in keys { XCTAssertEqual(cluster.master(of: cluster.slot(of: key) ?? -1), port, "\(key) on its slot's master") }
        }
    }

    func testAKilledMasterIsFollowedToItsPromotedReplicaWithoutRestartAndTheGapIsDeniedPromptly() throws {
        let (cluster, instances) = try startInstances(onFailure: "deny")
        XCTAssertEqual(instances.map { get($0, "key-probe").status }, [200, 200])
        // Warm-up over many identities, so that the workers have connections to every master.
        XCTAssertEqual(Set((0..<24).map { get(instances[$0 % 2], "key-warm-\($0)").status }), [200])
        let victim = try XCTUnwrap(cluster.masterPorts.first)
        let before = Set(cluster.keys(on: victim, matching: "sluice:rl:*"))
        cluster.kill(victim)

        // The gap: every request answered within the timeout (+ slack for a loaded machine), 503 while the slot
        // has no reachable master (deny), until the replica is promoted and every worker of both instances has
        // found it (each re-reads the map while it names a master it lost): 12 fresh identities in a row admitted.
        var gap: [Outcome] = []
        var admittedInARow = 0
        let deadline = Date().addingTimeInterval(40)
        while Date() < deadline && admittedInARow < 12 {
            let outcome = get(instances[gap.count % 2], "key-gap-\(gap.count)")
            gap.append(outcome)
            XCTAssertLessThan(outcome.seconds, 2.5, "answered within redis.timeout + slack: \(RedisIntegrationTests.summary([outcome]))")
            XCTAssertTrue([200, 503].contains(outcome.status), RedisIntegrationTests.summary([outcome]))
            admittedInARow = outcome.status == 200 ? admittedInARow + 1 : 0
            if outcome.status != 200 { usleep(50_000) }
        }
        XCTAssertEqual(admittedInARow, 12, "limiting did not resume within 40 s: \(RedisIntegrationTests.summary(gap))")
        XCTAssertTrue(gap.contains { $0.status == 503 }, "the gap was answered as on_failure: deny says")
        try cluster.waitUntil(timeout: 30, "failover settled") { cluster.isSettled(without: [victim]) }
        let promoted = try XCTUnwrap(cluster.masterPorts.first { port in
            !Set(cluster.keys(on: port, matching: "sluice:rl:*")).isDisjoint(with: before)
        }, "a replica of the victim holds its keys")
        XCTAssertNotEqual(promoted, victim)

        // Exact again on both instances, keys on the promoted master included, without restarting sluice.
        let promotedBefore = cluster.keys(on: promoted, matching: "sluice:rl:*").count
        for index in 0..<9 {
            assertExactlyTen(burst(instances, "key-after-\(index)", count: 12), "key-after-\(index)")
        }
        XCTAssertGreaterThan(cluster.keys(on: promoted, matching: "sluice:rl:*").count, promotedBefore,
                             "new identities landed on the promoted replica")
    }

    func testASlotMigratedUnderTrafficFollowsAskThenMovedAndTheLimitStaysExact() throws {
        let (cluster, instances) = try startInstances(onFailure: "deny")
        // Traffic for one identity from both instances throughout; deny makes any decision that failed a 503.
        let outcomes = LockedList<Outcome>(), stopped = LockedList<Bool>(), finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            var index = 0
            while stopped.items.isEmpty {
                outcomes.append(RedisIntegrationTests.get(instances[index % 2], key: "key-moving"))
                index += 1
                usleep(20_000)
            }
            finished.signal()
        }
        var running = true
        func stopTraffic() {
            guard running else { return }
            running = false
            stopped.append(true)
            finished.wait()
        }
        defer { stopTraffic() }
        func awaitTraffic(_ more: Int) throws {
            let target = outcomes.items.count + more
            try cluster.waitUntil(timeout: 30, "\(more) more requests") { outcomes.items.count >= target }
        }
        try awaitTraffic(3)
        let (source, keys) = try XCTUnwrap(keysPerMaster(cluster).first { !$0.value.isEmpty })
        let key = try XCTUnwrap(keys.first)
        let slot = try XCTUnwrap(cluster.slot(of: key))
        let target = try XCTUnwrap(cluster.masterPorts.first { $0 != source })
        let sourceID = try XCTUnwrap(cluster.nodeID(source)), targetID = try XCTUnwrap(cluster.nodeID(target))
        let sourceNode = try XCTUnwrap(cluster.node(source)), targetNode = try XCTUnwrap(cluster.node(target))

        // Migrating: the key moves to the target, the source answers ASK for it.
        XCTAssertEqual(targetNode.cli("CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceID), "OK")
        XCTAssertEqual(sourceNode.cli("CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetID), "OK")
        XCTAssertEqual(sourceNode.cli("MIGRATE", "127.0.0.1", String(target), key, "0", "5000"), "OK")
        XCTAssertTrue(sourceNode.cli("EXISTS", key).hasPrefix("ASK \(slot) "), "the source redirects with ASK")
        try awaitTraffic(4)

        // Done: the slot belongs to the target everywhere, the source answers MOVED.
        for node in [targetNode, sourceNode] + cluster.masterPorts.compactMap(cluster.node) {
            XCTAssertEqual(node.cli("CLUSTER", "SETSLOT", String(slot), "NODE", targetID), "OK")
        }
        XCTAssertTrue(sourceNode.cli("EXISTS", key).hasPrefix("MOVED \(slot) "), "the source redirects with MOVED")
        try awaitTraffic(8)
        stopTraffic()

        let all = outcomes.items
        XCTAssertGreaterThanOrEqual(all.count, 15)
        assertExactlyTen(all, "through the migration")
        XCTAssertEqual(cluster.keys(on: target, matching: key), [key])
        XCTAssertEqual(cluster.keys(on: source, matching: key), [])
    }
}
