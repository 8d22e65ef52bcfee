import Dispatch
import XCTest
@testable import Stats

final class WorkerStatsTests: XCTestCase {
    private let targets = ["127.0.0.1:3000", "127.0.0.1:3001"]

    func testCountsRequestsByStatusClassAndOutOfRangeStatusesOnlyInTotal() {
        let worker = WorkerStats(workerIndex: 0, board: StatsBoard(workerCount: 1), targets: targets)
        for status in [100, 200, 201, 302, 404, 429, 500, 599, 600, 42] {
            worker.recordRequest(status: status, durationMicros: 10, upstreamMicros: nil)
        }
        let snapshot = worker.snapshot()
        XCTAssertEqual(snapshot.requestsByClass, [1, 2, 1, 2, 2])
        XCTAssertEqual(snapshot.requestsOtherStatus, 2)
        XCTAssertEqual(snapshot.requestsTotal, 10)
        XCTAssertEqual(snapshot.latency.count, 10)
        XCTAssertEqual(snapshot.upstreamLatency.count, 0)
    }

    func testCountsRateLimitRewritesTriesAndInFlight() {
        let worker = WorkerStats(workerIndex: 0, board: StatsBoard(workerCount: 1), targets: targets)
        worker.recordRateLimit(admitted: true, identity: "never-evaluated-for-an-admission")
        worker.recordRateLimit(admitted: false, limit: "hour", identity: "4f2a9c01b3de")
        worker.recordRateLimit(admitted: false)
        for shape in ["nestjs", "error_string", "error_object", "problem_json", "other", "something-else"] {
            worker.recordRewrite(shape: shape)
        }
        worker.recordTry(target: 1, failed: true)
        worker.recordTry(target: 1, failed: false)
        worker.recordTry(target: 7, failed: true)
        worker.requestStarted()
        worker.requestStarted()
        worker.requestFinished()
        let snapshot = worker.snapshot()
        XCTAssertEqual(snapshot.rateLimitAllowed, 1)
        XCTAssertEqual(snapshot.rateLimitLimited, 2)
        XCTAssertEqual(snapshot.refusalsByLimit, ["hour": 1])
        XCTAssertEqual(snapshot.limitedIdentities.top(10), [HeavyHitters.Entry(identity: "4f2a9c01b3de", count: 1)],
                       "only refusals count, and only those that name who was refused")
        XCTAssertEqual(snapshot.rewrittenByShape, [1, 1, 1, 1, 2])
        XCTAssertEqual(snapshot.targets, [TargetCounts(target: targets[0]),
                                          TargetCounts(target: targets[1], requests: 2, failures: 1)])
        XCTAssertEqual(snapshot.upstreamTries, 3)
        XCTAssertEqual(snapshot.inFlight, 1)
    }

    func testBoardMergesTheLatestSnapshotsOfTwoWorkers() {
        let merged = StatsFixture.board().merged()
        XCTAssertEqual(merged.requestsByClass, [1, 3, 0, 1, 1])
        XCTAssertEqual(merged.requestsTotal, 6)
        XCTAssertEqual(merged.inFlight, 1)
        XCTAssertEqual(merged.rateLimitAllowed, 1)
        XCTAssertEqual(merged.rateLimitLimited, 2)
        XCTAssertEqual(merged.rewrittenByShape, [1, 0, 0, 2, 0])
        XCTAssertEqual(merged.targets, [TargetCounts(target: "127.0.0.1:3000", requests: 2, failures: 1),
                                        TargetCounts(target: "127.0.0.1:3001", requests: 1, failures: 0)])
        XCTAssertEqual(merged.upstreamTries, 3)
        XCTAssertEqual(merged.latency.count, 6)
        XCTAssertEqual(merged.latency.maxMicros, 2_000_000)
        XCTAssertEqual(merged.latency.sumMicros, 1000 + 2000 + 3000 + 4000 + 2_000_000 + 10)
        XCTAssertEqual(merged.upstreamLatency.count, 4)
    }

    func testReaderSeesOnlyWhatWasPublished() {
        let board = StatsBoard(workerCount: 2)
        let worker = WorkerStats(workerIndex: 1, board: board, targets: targets)
        worker.recordRequest(status: 200, durationMicros: 5, upstreamMicros: 3)
        XCTAssertNil(board.latest(worker: 1))
        XCTAssertEqual(board.merged().requestsTotal, 0)
        worker.publish()
        worker.recordRequest(status: 200, durationMicros: 5, upstreamMicros: 3)
        XCTAssertEqual(board.merged().requestsTotal, 1, "the second request is not published yet")
        worker.publish()
        XCTAssertEqual(board.merged().requestsTotal, 2)
        XCTAssertNil(board.latest(worker: 0))
    }

    func testWorkersPublishOnTheirOwnThreadsWhileAReaderMerges() {
        let board = StatsBoard(workerCount: 2)
        let perWorker = 20_000
        DispatchQueue.concurrentPerform(iterations: 3) { role in
            if role < 2 {
                // Each worker's figures are created and used on its own thread; only the board is shared.
                let worker = WorkerStats(workerIndex: role, board: board, targets: ["127.0.0.1:3000"])
                for number in 0..<perWorker {
                    worker.recordRequest(status: 200, durationMicros: UInt64(number), upstreamMicros: 10)
                    worker.recordTry(target: 0, failed: false)
                    if number % 1000 == 0 { worker.publish() }
                }
                worker.publish()
            } else {
                var last: UInt64 = 0
                for _ in 0..<200 {
                    let total = board.merged().requestsTotal
                    XCTAssertGreaterThanOrEqual(total, last, "published counters never go back")
                    last = total
                }
            }
        }
        let merged = board.merged()
        XCTAssertEqual(merged.requestsTotal, UInt64(2 * perWorker))
        XCTAssertEqual(merged.latency.count, UInt64(2 * perWorker))
        XCTAssertEqual(merged.counts(forTarget: "127.0.0.1:3000").requests, UInt64(2 * perWorker))
    }

    func testPublishedSnapshotDoesNotChangeWhenTheWorkerGoesOn() {
        let board = StatsBoard(workerCount: 1)
        let worker = WorkerStats(workerIndex: 0, board: board, targets: targets)
        worker.recordRequest(status: 200, durationMicros: 100, upstreamMicros: 50)
        worker.publish()
        for _ in 0..<100 { worker.recordRequest(status: 500, durationMicros: 9000, upstreamMicros: 8000) }
        let published = board.latest(worker: 0)!
        XCTAssertEqual(published.latency.count, 1)
        XCTAssertEqual(published.latency.maxMicros, 100)
        XCTAssertEqual(published.requestsByClass[4], 0)
    }

    func testSetTargetsKeepsCountsByNameAcrossAReorder() {
        let worker = WorkerStats(workerIndex: 0, board: StatsBoard(workerCount: 1), targets: targets)
        worker.recordTry(target: 0, failed: true)
        worker.recordTry(target: 1, failed: false)
        worker.setTargets(["127.0.0.1:3001", "127.0.0.1:4000"])
        worker.recordTry(target: 0, failed: false)
        XCTAssertEqual(worker.snapshot().targets, [TargetCounts(target: "127.0.0.1:3001", requests: 2, failures: 0),
                                                   TargetCounts(target: "127.0.0.1:4000")])
    }

    func testLatencyAboveSixtySecondsIsClampedAndStillCounted() {
        var latency = LatencyDistribution()
        latency.record(micros: 3_600_000_000)
        latency.record(micros: 0)
        XCTAssertEqual(latency.count, 2)
        XCTAssertEqual(latency.maxMicros, LatencyDistribution.highestTrackableMicros)
        XCTAssertEqual(latency.cumulativeBucketCounts.last, 1, "only the 0 µs value is at most 10 s")
        XCTAssertEqual(latency.bucketCounts.last, 1, "the clamped value is above the last bound")
    }

    func testPrometheusBucketIndexAgreesWithTheBoundsAtEveryEdge() {
        let bounds = LatencyDistribution.bucketBoundsMicros
        for (index, bound) in bounds.enumerated() {
            XCTAssertEqual(LatencyDistribution.bucketIndex(bound), index, "\(bound) is in its own bucket")
            XCTAssertEqual(LatencyDistribution.bucketIndex(bound + 1), index + 1, "\(bound + 1) is in the next one")
        }
        XCTAssertEqual(LatencyDistribution.bucketIndex(0), 0)
        XCTAssertEqual(LatencyDistribution().bucketCounts.count, bounds.count + 1)
    }

    func testPercentilesHaveThreeSignificantDigits() {
        var latency = LatencyDistribution()
        for micros in 1...1000 as ClosedRange<UInt64> { latency.record(micros: micros * 1000) }
        XCTAssertEqual(Double(latency.percentileMicros(50)), 500_000, accuracy: 500)
        XCTAssertEqual(Double(latency.percentileMicros(99)), 990_000, accuracy: 990)
        XCTAssertEqual(latency.maxMicros, 1_000_000)
    }
}
