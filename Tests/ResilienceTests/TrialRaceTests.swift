import Dispatch
import Foundation
import Resilience
import Synchronization
import XCTest

/// Several threads choosing at once: the half-open trial slot is taken exactly once.
final class TrialRaceTests: XCTestCase {
    func testConcurrentChoosersTakeExactlyOneTrialPerHalfOpening() {
        let clock = ManualResilienceClock()
        let health = makeHealth(targets: 1, failures: 1, openFor: .seconds(30), clock: clock)
        let threads = 6
        let choicesPerThread = 200
        for round in 0..<50 {
            health.fail(0, times: 1)
            if round > 0 { XCTAssertEqual(health.circuit(0), .open) }
            clock.advance(by: .seconds(30))
            let trials = Atomic<Int>(0)
            let others = Atomic<Int>(0)
            let ready = Atomic<Int>(0)
            runOnThreads(threads) {
                // Start together so that the first calls really race.
                ready.wrappingAdd(1, ordering: .relaxed)
                while ready.load(ordering: .relaxed) < threads { sched_yield() }
                for _ in 0..<choicesPerThread {
                    switch health.choose(startingAt: 0) {
                    case .target(_, isTrial: true): trials.wrappingAdd(1, ordering: .relaxed)
                    case .target(_, isTrial: false): others.wrappingAdd(1, ordering: .relaxed)
                    case .noneHealthy: break
                    }
                }
            }
            XCTAssertEqual(trials.load(ordering: .relaxed), 1, "round \(round)")
            XCTAssertEqual(others.load(ordering: .relaxed), 0, "round \(round)")
            // The trial fails: the next round opens again from here.
            health.record(target: 0, success: false, wasTrial: true)
        }
    }

    func testConcurrentRecordsAndChoicesKeepCountersExact() {
        let clock = ManualResilienceClock()
        let health = makeHealth(targets: 3, failures: 1_000_000, clock: clock)
        let threads = 4
        let tries = 5_000
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var cursor = thread
            for n in 0..<tries {
                guard case .target(let index, let isTrial) = health.choose(startingAt: cursor) else {
                    return XCTFail("all targets are healthy")
                }
                cursor = index + 1
                health.record(target: index, success: n % 4 != 0, wasTrial: isTrial)
            }
        }
        let states = health.snapshot()
        XCTAssertEqual(states.map(\.requests).reduce(0, +), threads * tries)
        XCTAssertEqual(states.map(\.failures).reduce(0, +), threads * tries / 4)
    }
}

/// Runs `body` on `count` threads of their own (not a pool of CPU-count width, so they can wait for each other).
private func runOnThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) {
    let group = DispatchGroup()
    for _ in 0..<count {
        group.enter()
        Thread {
            body()
            group.leave()
        }.start()
    }
    group.wait()
}
