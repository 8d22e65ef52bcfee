/// Requests and failures sent to one upstream target.
public struct TargetCounts: Sendable, Equatable {
    /// The target as configured, e.g. `127.0.0.1:3000`.
    public var target: String
    /// Tries sent to this target.
    public var requests: UInt64
    /// Tries to this target that failed (connect error, timeout, reset, or a retried 5xx).
    public var failures: UInt64

    /// A target with the given counts.
    public init(target: String, requests: UInt64 = 0, failures: UInt64 = 0) {
        self.target = target
        self.requests = requests
        self.failures = failures
    }
}

/// A copy of one worker's figures (or the merge of several), safe to hand to another thread.
///
/// Counters are cumulative since the worker started; `inFlight` is a gauge. Merging sums everything, merges
/// histograms, and matches targets and limits by name (workers may briefly disagree on the target list during a
/// reload).
public struct StatsSnapshot: Sendable {
    /// Requests on the public listener by status class; index 0 is 1xx … index 4 is 5xx.
    public var requestsByClass: [UInt64] = [0, 0, 0, 0, 0]
    /// Requests answered with a status outside 100…599 (counted in `requestsTotal` only).
    public var requestsOtherStatus: UInt64 = 0
    /// Requests started and not yet finished.
    public var inFlight: Int = 0
    /// Rate-limit decisions that admitted the request.
    public var rateLimitAllowed: UInt64 = 0
    /// Rate-limit decisions that refused the request (429).
    public var rateLimitLimited: UInt64 = 0
    /// Refusals by the name of the limit that refused, when the caller named it.
    public var refusalsByLimit: [String: UInt64] = [:]
    /// Requests by how the API-key checks ended (SPEC §10).
    public var auth = AuthCounts()
    /// The identities refused most often, when the caller named them.
    public var limitedIdentities = HeavyHitters()
    /// Upstream error responses rewritten by the normaliser, indexed like `StatsNames.shapes`.
    public var rewrittenByShape: [UInt64] = [0, 0, 0, 0, 0]
    /// Per upstream target, in configuration order.
    public var targets: [TargetCounts] = []
    /// Every try sent upstream (first tries and retries).
    public var upstreamTries: UInt64 = 0
    /// Whole-request latency as the client sees it.
    public var latency = LatencyDistribution()
    /// The upstream's share of the request latency (only requests that reached an upstream).
    public var upstreamLatency = LatencyDistribution()

    /// An empty snapshot.
    public init() {}

    /// Every request counted, whatever its status.
    public var requestsTotal: UInt64 { requestsByClass.reduce(requestsOtherStatus, &+) }

    /// Every rewritten upstream error response.
    public var rewrittenTotal: UInt64 { rewrittenByShape.reduce(0, &+) }

    /// The counts of `target`, or zero counts when no worker has seen it.
    public func counts(forTarget target: String) -> TargetCounts {
        targets.first { $0.target == target } ?? TargetCounts(target: target)
    }

    /// Adds `other`'s figures to these.
    public mutating func merge(_ other: StatsSnapshot) {
        for index in requestsByClass.indices { requestsByClass[index] &+= other.requestsByClass[index] }
        requestsOtherStatus &+= other.requestsOtherStatus
        inFlight += other.inFlight
        rateLimitAllowed &+= other.rateLimitAllowed
        rateLimitLimited &+= other.rateLimitLimited
        refusalsByLimit.merge(other.refusalsByLimit, uniquingKeysWith: &+)
        auth.merge(other.auth)
        limitedIdentities.merge(other.limitedIdentities)
        for index in rewrittenByShape.indices { rewrittenByShape[index] &+= other.rewrittenByShape[index] }
        for counts in other.targets {
            if let index = targets.firstIndex(where: { $0.target == counts.target }) {
                targets[index].requests &+= counts.requests
                targets[index].failures &+= counts.failures
            } else {
                targets.append(counts)
            }
        }
        upstreamTries &+= other.upstreamTries
        latency.add(other.latency)
        upstreamLatency.add(other.upstreamLatency)
    }

    /// The merge of `snapshots` (an empty snapshot when there are none).
    public static func merging(_ snapshots: some Sequence<StatsSnapshot>) -> StatsSnapshot {
        var result = StatsSnapshot()
        for snapshot in snapshots { result.merge(snapshot) }
        return result
    }
}
