@testable import Proxy
import XCTest

/// The control thread's view of the workers: a drain reaches every worker, also one whose thread registers after
/// the signal (the flaky SIGINT drain that waited the whole grace period for an unregistered worker).
final class WorkerRegistryTests: XCTestCase {
    func testADrainReachesTheWorkersRegisteredBeforeIt() {
        let registry = WorkerRegistry<String>()
        XCTAssertFalse(registry.register("w0", index: 0), "no drain has begun")
        XCTAssertFalse(registry.register("w1", index: 1), "no drain has begun")
        XCTAssertEqual(registry.beginDrain(), ["w0", "w1"])
    }

    func testAWorkerRegisteringAfterTheDrainBeganIsToldToDrain() {
        let registry = WorkerRegistry<String>()
        XCTAssertFalse(registry.register("w0", index: 0))
        XCTAssertEqual(registry.beginDrain(), ["w0"], "w1's thread has not started yet")
        XCTAssertTrue(registry.register("w1", index: 1), "a worker starting after SIGTERM would never drain")
        XCTAssertEqual(registry.references, ["w0", "w1"])
    }

    func testAnEndedWorkerIsForgotten() {
        let registry = WorkerRegistry<String>()
        _ = registry.register("w0", index: 0)
        _ = registry.register("w1", index: 1)
        registry.remove(index: 0)
        XCTAssertEqual(registry.references, ["w1"])
    }
}
