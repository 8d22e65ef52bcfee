/// Renders merged figures plus the caller's gauges for the admin endpoint: `GET /stats` (`statsJSON()`) and
/// `GET /metrics` (`prometheusText()`, in `StatsReport+Prometheus.swift`).
public struct StatsReport: Sendable {
    /// The merged figures of all workers (`StatsBoard.merged()`).
    public var snapshot: StatsSnapshot
    /// The caller's gauges.
    public var gauges: StatsGauges

    /// How many identities `rate_limit.top_limited` lists at most.
    public static let topLimitedCount = 10

    /// A report of `snapshot` and `gauges`.
    public init(snapshot: StatsSnapshot, gauges: StatsGauges) {
        self.snapshot = snapshot
        self.gauges = gauges
    }

    /// The `GET /stats` body (SPEC §8), one JSON object:
    ///
    /// `uptime_seconds`, `requests` {`total`, `in_flight`, `by_status` {`1xx`…`5xx`}},
    /// `rate_limit` {`allowed`, `limited`, `tracked_keys`, `evicted`, `store`, `top_limited` [{`identity`, `limited`}]},
    /// `auth` {`accepted`, `missing`, `invalid`, `revoked`, `expired`, `forbidden`, `throttled`, `keys_loaded`},
    /// `normaliser` {`rewritten`, `by_shape`},
    /// `upstreams` [{`target`, `healthy`, `circuit`, `requests`, `failures`}], `upstream_tries`,
    /// `latency_ms` and `upstream_latency_ms` {`p50`, `p90`, `p99`, `max`} (milliseconds, 3 decimals).
    public func statsJSON() -> String {
        var json = JSONObjectWriter()
        json.begin()
        json.raw("uptime_seconds", FixedPoint.seconds(gauges.uptimeSeconds))

        json.key("requests")
        json.begin()
        json.raw("total", String(snapshot.requestsTotal))
        json.raw("in_flight", String(max(0, snapshot.inFlight)))
        json.key("by_status")
        json.begin()
        for (name, count) in zip(StatsNames.statusClasses, snapshot.requestsByClass) { json.raw(name, String(count)) }
        json.end()
        json.end()

        json.key("rate_limit")
        json.begin()
        json.raw("allowed", String(snapshot.rateLimitAllowed))
        json.raw("limited", String(snapshot.rateLimitLimited))
        json.raw("tracked_keys", String(gauges.rateLimitTrackedKeys))
        json.raw("evicted", String(gauges.rateLimitEvicted))
        json.string("store", gauges.rateLimitStore)
        json.key("top_limited")
        json.beginArray()
        for entry in snapshot.limitedIdentities.top(Self.topLimitedCount) {
            json.begin()
            json.string("identity", entry.identity)
            json.raw("limited", String(entry.count))
            json.end()
        }
        json.endArray()
        json.end()

        json.key("auth")
        json.begin()
        for outcome in AuthOutcome.allCases { json.raw(outcome.name, String(snapshot.auth[outcome])) }
        json.raw("keys_loaded", String(gauges.keysLoaded))
        json.end()

        json.key("normaliser")
        json.begin()
        json.raw("rewritten", String(snapshot.rewrittenTotal))
        json.key("by_shape")
        json.begin()
        for (name, count) in zip(StatsNames.shapes, snapshot.rewrittenByShape) { json.raw(name, String(count)) }
        json.end()
        json.end()

        json.key("upstreams")
        json.beginArray()
        for upstream in gauges.upstreams {
            let counts = snapshot.counts(forTarget: upstream.target)
            json.begin()
            json.string("target", upstream.target)
            json.raw("healthy", upstream.healthy ? "true" : "false")
            json.string("circuit", upstream.circuit.rawValue)
            json.raw("requests", String(counts.requests))
            json.raw("failures", String(counts.failures))
            json.end()
        }
        json.endArray()
        json.raw("upstream_tries", String(snapshot.upstreamTries))

        appendLatency("latency_ms", snapshot.latency, to: &json)
        appendLatency("upstream_latency_ms", snapshot.upstreamLatency, to: &json)
        json.end()
        return json.text
    }

    private func appendLatency(_ key: String, _ latency: LatencyDistribution, to json: inout JSONObjectWriter) {
        json.key(key)
        json.begin()
        json.raw("p50", FixedPoint.millis(micros: latency.percentileMicros(50)))
        json.raw("p90", FixedPoint.millis(micros: latency.percentileMicros(90)))
        json.raw("p99", FixedPoint.millis(micros: latency.percentileMicros(99)))
        json.raw("max", FixedPoint.millis(micros: latency.maxMicros))
        json.end()
    }
}
