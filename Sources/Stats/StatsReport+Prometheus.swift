import Resilience

/// `GET /metrics`: the Prometheus text exposition format, version 0.0.4.
///
/// Hand-rolled rather than built on swift-prometheus (2.4.1 on the mirror) because:
/// - swift-prometheus's metrics are shared objects updated on every event from every thread: in 2.4.1 a
///   `Counter` is a `ManagedAtomic` (one cache line bouncing between the workers' cores) and a `Histogram`
///   takes an `NIOLockedValueBox` lock per `record`. sluice counts in per-worker plain integers and merges only
///   when read, so the library's storage would be a second, slower copy; filling it from snapshots at read time
///   would mean re-recording values into it.
/// - Its histograms are fixed-bucket only; sluice needs HdrHistogram distributions for p50/p90/p99 in `/stats`
///   anyway and counts the Prometheus buckets next to them.
/// - Exact control of the output (family order, `# HELP`/`# TYPE` for every family even without samples,
///   label escaping, number formatting) keeps the integration test's strict parser simple, and the whole
///   format is a few dozen lines with no extra dependency (swift-atomics).
extension StatsReport {
    /// The `Content-Type` for `prometheusText()`.
    public static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The `le` label texts (seconds) of `LatencyDistribution.bucketBoundsMicros`.
    static let latencyBucketLabels = [
        "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
    ]

    /// All figures as Prometheus text. Families (all prefixed `sluice_`): `uptime_seconds`,
    /// `requests_total{class}`, `requests_in_flight`, `rate_limit_requests_total{outcome}`,
    /// `rate_limit_refusals_total{limit}`, `rate_limit_top_limited{identity}`, `rate_limit_tracked_keys`,
    /// `rate_limit_evicted_total`, `rate_limit_store_info{store}`, `auth_requests_total{outcome}`, `auth_keys_loaded`,
    /// `normaliser_rewritten_total{shape}`, `upstream_requests_total{target}`, `upstream_failures_total{target}`,
    /// `upstream_healthy{target}`, `upstream_circuit_state{target,state}`, `upstream_tries_total`,
    /// `request_duration_seconds` and `upstream_duration_seconds` (histograms).
    public func prometheusText() -> String {
        var out = PrometheusWriter()
        out.family("sluice_uptime_seconds", "Seconds since sluice started.", "gauge")
        out.sample("sluice_uptime_seconds", [], FixedPoint.seconds(gauges.uptimeSeconds))

        out.family("sluice_requests_total", "Requests answered on the public listener, by status class.", "counter")
        for (name, count) in zip(StatsNames.statusClasses, snapshot.requestsByClass) {
            out.sample("sluice_requests_total", [("class", name)], String(count))
        }
        out.family("sluice_requests_in_flight", "Requests being handled on the public listener.", "gauge")
        out.sample("sluice_requests_in_flight", [], String(max(0, snapshot.inFlight)))

        out.family("sluice_rate_limit_requests_total", "Rate-limit decisions, by outcome.", "counter")
        out.sample("sluice_rate_limit_requests_total", [("outcome", "allowed")], String(snapshot.rateLimitAllowed))
        out.sample("sluice_rate_limit_requests_total", [("outcome", "limited")], String(snapshot.rateLimitLimited))
        out.family("sluice_rate_limit_refusals_total", "Requests refused with 429, by the limit that refused.", "counter")
        for (limit, count) in snapshot.refusalsByLimit.sorted(by: { $0.key < $1.key }) {
            out.sample("sluice_rate_limit_refusals_total", [("limit", limit)], String(count))
        }
        out.family("sluice_rate_limit_top_limited",
                   "Refusals of the identities refused most often (at most 10; a heavy-hitters estimate).", "gauge")
        for entry in snapshot.limitedIdentities.top(Self.topLimitedCount) {
            out.sample("sluice_rate_limit_top_limited", [("identity", entry.identity)], String(entry.count))
        }
        out.family("sluice_rate_limit_tracked_keys", "Keys the rate limiter currently tracks.", "gauge")
        out.sample("sluice_rate_limit_tracked_keys", [], String(gauges.rateLimitTrackedKeys))
        out.family("sluice_rate_limit_evicted_total",
                   "Identities the memory store forgot to stay within rate_limit.max_tracked_keys.", "counter")
        out.sample("sluice_rate_limit_evicted_total", [], String(gauges.rateLimitEvicted))
        out.family("sluice_rate_limit_store_info", "The rate-limit store in use (always 1).", "gauge")
        out.sample("sluice_rate_limit_store_info", [("store", gauges.rateLimitStore)], "1")

        out.family("sluice_auth_requests_total", "Requests by how the API-key checks ended (SPEC 10).", "counter")
        for outcome in AuthOutcome.allCases {
            out.sample("sluice_auth_requests_total", [("outcome", outcome.name)], String(snapshot.auth[outcome]))
        }
        out.family("sluice_auth_keys_loaded", "Keys of the keys file in force.", "gauge")
        out.sample("sluice_auth_keys_loaded", [], String(gauges.keysLoaded))

        out.family("sluice_normaliser_rewritten_total", "Upstream error responses rewritten, by shape.", "counter")
        for (name, count) in zip(StatsNames.shapes, snapshot.rewrittenByShape) {
            out.sample("sluice_normaliser_rewritten_total", [("shape", name)], String(count))
        }

        appendUpstreams(to: &out)
        appendHistogram("sluice_request_duration_seconds",
                        "Whole request latency as the client sees it.", snapshot.latency, to: &out)
        appendHistogram("sluice_upstream_duration_seconds",
                        "The upstream's share of the request latency.", snapshot.upstreamLatency, to: &out)
        return out.text
    }

    private func appendUpstreams(to out: inout PrometheusWriter) {
        let counts = gauges.upstreams.map { snapshot.counts(forTarget: $0.target) }
        out.family("sluice_upstream_requests_total", "Tries sent to each upstream target.", "counter")
        for count in counts {
            out.sample("sluice_upstream_requests_total", [("target", count.target)], String(count.requests))
        }
        out.family("sluice_upstream_failures_total", "Tries to each upstream target that failed.", "counter")
        for count in counts {
            out.sample("sluice_upstream_failures_total", [("target", count.target)], String(count.failures))
        }
        out.family("sluice_upstream_healthy", "1 when the upstream target is healthy, else 0.", "gauge")
        for upstream in gauges.upstreams {
            out.sample("sluice_upstream_healthy", [("target", upstream.target)], upstream.healthy ? "1" : "0")
        }
        out.family("sluice_upstream_circuit_state",
                   "1 for the circuit breaker state each upstream target is in, else 0.", "gauge")
        for upstream in gauges.upstreams {
            for state in CircuitState.allCases {
                out.sample("sluice_upstream_circuit_state", [("target", upstream.target), ("state", state.rawValue)],
                           upstream.circuit == state ? "1" : "0")
            }
        }
        out.family("sluice_upstream_tries_total", "Every try sent upstream, first tries and retries.", "counter")
        out.sample("sluice_upstream_tries_total", [], String(snapshot.upstreamTries))
    }

    private func appendHistogram(_ name: String, _ help: String, _ latency: LatencyDistribution,
                                 to out: inout PrometheusWriter) {
        out.family(name, help, "histogram")
        for (label, count) in zip(Self.latencyBucketLabels, latency.cumulativeBucketCounts) {
            out.sample(name + "_bucket", [("le", label)], String(count))
        }
        out.sample(name + "_bucket", [("le", "+Inf")], String(latency.count))
        out.sample(name + "_sum", [], FixedPoint.seconds(micros: latency.sumMicros))
        out.sample(name + "_count", [], String(latency.count))
    }
}

/// Writes exposition lines with correct escaping of help texts and label values.
struct PrometheusWriter {
    private var bytes: [UInt8] = []

    var text: String { String(decoding: bytes, as: UTF8.self) }

    init() { bytes.reserveCapacity(8192) }

    /// `# HELP` and `# TYPE` lines opening a family.
    mutating func family(_ name: String, _ help: String, _ type: String) {
        write("# HELP \(name) ")
        for byte in help.utf8 { escape(byte, quotes: false) }
        write("\n# TYPE \(name) \(type)\n")
    }

    /// One sample line: `name{label="value",…} value`.
    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: String) {
        write(name)
        if !labels.isEmpty {
            bytes.append(UInt8(ascii: "{"))
            for (index, (label, labelValue)) in labels.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(label + "=\"")
                for byte in labelValue.utf8 { escape(byte, quotes: true) }
                bytes.append(UInt8(ascii: "\""))
            }
            bytes.append(UInt8(ascii: "}"))
        }
        write(" " + value + "\n")
    }

    private mutating func write(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// Backslash and newline are escaped in help texts; label values also escape the double quote.
    private mutating func escape(_ byte: UInt8, quotes: Bool) {
        switch byte {
        case UInt8(ascii: "\\"): write("\\\\")
        case UInt8(ascii: "\n"): write("\\n")
        case UInt8(ascii: "\"") where quotes: write("\\\"")
        default: bytes.append(byte)
        }
    }
}
