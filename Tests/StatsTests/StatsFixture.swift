@testable import Stats

/// Two simulated workers with known traffic, published to one board, and gauges for a report.
enum StatsFixture {
    static let targets = ["127.0.0.1:3000", "127.0.0.1:3001"]

    /// Worker 0: 3×200 (1, 2, 3 ms; upstream 0.5 ms each), 1×404, 2 limited by "minute", 1 allowed,
    /// 1 nestjs rewrite, tries: 2 to target 0 (one failed). Worker 1: 1×503 (2 s), 1×101, one request in flight,
    /// 2 problem_json rewrites, 1 try to target 1.
    static func board() -> StatsBoard {
        let board = StatsBoard(workerCount: 2)
        let first = WorkerStats(workerIndex: 0, board: board, targets: targets)
        for millis in [1, 2, 3] as [UInt64] {
            first.recordRequest(status: 200, durationMicros: millis * 1000, upstreamMicros: 500)
        }
        first.recordRequest(status: 404, durationMicros: 4000, upstreamMicros: nil)
        first.recordRateLimit(admitted: false, limit: "minute")
        first.recordRateLimit(admitted: false, limit: "minute")
        first.recordRateLimit(admitted: true)
        first.recordRewrite(shape: "nestjs")
        first.recordTry(target: 0, failed: true)
        first.recordTry(target: 0, failed: false)
        first.publish()

        let second = WorkerStats(workerIndex: 1, board: board, targets: targets)
        second.recordRequest(status: 503, durationMicros: 2_000_000, upstreamMicros: 1_999_000)
        second.recordRequest(status: 101, durationMicros: 10, upstreamMicros: nil)
        second.requestStarted()
        second.recordRewrite(shape: "problem_json")
        second.recordRewrite(shape: "problem_json")
        second.recordTry(target: 1, failed: false)
        second.publish()
        return board
    }

    static func gauges(target0: String = targets[0]) -> StatsGauges {
        StatsGauges(uptimeSeconds: 12.5, rateLimitTrackedKeys: 7, rateLimitEvicted: 3, rateLimitStore: "memory", upstreams: [
            UpstreamGauge(target: target0, healthy: true, circuit: .closed),
            UpstreamGauge(target: targets[1], healthy: false, circuit: .halfOpen),
        ])
    }

    static func report() -> StatsReport {
        StatsReport(snapshot: board().merged(), gauges: gauges())
    }
}
