import Engine
import Essentials
import Stats

/// Stats and access-log lines for each request: counted on the worker without locks, published
/// to the admin endpoint by the worker's timer.
extension ClientConnection {
    /// Marks the start of a request (a complete head, or an unparseable one).
    func beginAccounting(headLength: Int) {
        guard !exchange.counted else { return }
        exchange.counted = true
        exchange.startedAt = EventLoop.monotonicNanoseconds()
        exchange.bytesIn = headLength
        exchange.outboundMark = outbound.totalWritten - outbound.count
        worker.stats.requestStarted()
    }

    /// Records the end of the request: its status (499 when the client left before the answer),
    /// its durations, and its access-log line.
    func completeAccounting(status: Int) {
        guard exchange.counted else { return }
        exchange.counted = false
        let now = EventLoop.monotonicNanoseconds()
        let duration = UInt64(max(0, now - exchange.startedAt) / 1000)
        worker.stats.requestFinished()
        worker.stats.recordRequest(status: status, durationMicros: duration, upstreamMicros: exchange.upstreamMicros)
        guard let accessLog = context.accessLog else { return }
        let usedUpstream = machine.triesStartedAt != 0
        accessLog.write(AccessLogEntry(
            timeMillis: SystemTime.wallMilliseconds(),
            requestID: exchange.requestID, client: peerHost, method: exchange.method, path: exchange.path,
            status: status, upstream: usedUpstream ? context.targetNames[machine.target] : nil,
            upstreamStatus: exchange.upstreamStatus, tries: usedUpstream ? machine.attempt + 1 : 0,
            durationMicros: duration, bytesIn: UInt64(exchange.bytesIn),
            bytesOut: UInt64(max(0, outbound.totalWritten - exchange.outboundMark)),
            keyHash: exchange.keyHash, consumer: exchange.consumer, rateLimit: exchange.rateLimitOutcome, shape: exchange.shape))
    }

    /// The upstream's share of the request ends (a final response was read, or the tries ended).
    func markUpstreamDone() {
        guard machine.triesStartedAt != 0, exchange.upstreamMicros == nil else { return }
        exchange.upstreamMicros = UInt64(max(0, EventLoop.monotonicNanoseconds() - machine.triesStartedAt) / 1000)
    }
}
