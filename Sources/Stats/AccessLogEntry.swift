import Essentials

/// One access log record: what sluice did with one request. Rendered as one JSON object per line.
///
/// Strings are escaped for any content; build them from raw request bytes with `String(decoding:as: UTF8.self)`,
/// which replaces bytes that are not UTF-8 with U+FFFD. Never put a raw API key here: `keyHash` only.
public struct AccessLogEntry: Sendable {
    /// The rate-limit outcome of the request.
    public enum RateLimitOutcome: String, Sendable {
        /// Admitted by every limit.
        case allowed
        /// Refused with 429.
        case limited
        /// Rate limiting did not apply (disabled, or the route is not limited).
        case off
    }

    /// When the request arrived, in milliseconds since the Unix epoch (`SystemTime.wallMilliseconds()`).
    public var timeMillis: Int64
    /// The `X-Request-Id` sluice used.
    public var requestID: String
    /// The client address (`ip:port`).
    public var client: String
    /// The request method.
    public var method: String
    /// The request target as received.
    public var path: String
    /// The status sent to the client.
    public var status: Int
    /// The upstream target of the last try, or `nil` when none was contacted.
    public var upstream: String?
    /// The status the upstream answered, or `nil`.
    public var upstreamStatus: Int?
    /// How many tries were sent upstream.
    public var tries: Int
    /// The whole request as the client saw it, in microseconds (logged as `duration_ms` with 3 decimals).
    public var durationMicros: UInt64
    /// Request bytes read from the client (head and body).
    public var bytesIn: UInt64
    /// Response bytes written to the client (head and body).
    public var bytesOut: UInt64
    /// The keyed hash of the API key, or `nil` when the request had none.
    public var keyHash: String?
    /// The consumer (`id` of the keys file) whose key was accepted, or `nil`.
    public var consumer: String?
    /// The rate-limit outcome.
    public var rateLimit: RateLimitOutcome
    /// The normaliser shape name when the response was rewritten, else `nil`.
    public var shape: String?

    /// A record; optional fields default to `nil`.
    public init(timeMillis: Int64, requestID: String, client: String, method: String, path: String, status: Int,
                upstream: String? = nil, upstreamStatus: Int? = nil, tries: Int = 0, durationMicros: UInt64,
                bytesIn: UInt64, bytesOut: UInt64, keyHash: String? = nil, consumer: String? = nil, rateLimit: RateLimitOutcome = .off,
                shape: String? = nil) {
        self.timeMillis = timeMillis
        self.requestID = requestID
        self.client = client
        self.method = method
        self.path = path
        self.status = status
        self.upstream = upstream
        self.upstreamStatus = upstreamStatus
        self.tries = tries
        self.durationMicros = durationMicros
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.keyHash = keyHash
        self.consumer = consumer
        self.rateLimit = rateLimit
        self.shape = shape
    }

    /// The record as one JSON object followed by `\n`, fields in this order: `time`, `request_id`, `client`,
    /// `method`, `path`, `status`, `upstream`, `upstream_status`, `tries`, `duration_ms`, `bytes_in`,
    /// `bytes_out`, `key_hash`, `consumer`, `rate_limit`, `shape`.
    public func jsonLine() -> [UInt8] {
        let strings = JSONString.maxCount(requestID) + JSONString.maxCount(client) + JSONString.maxCount(method)
            + JSONString.maxCount(path) + JSONString.maxCount(upstream ?? "") + JSONString.maxCount(keyHash ?? "")
            + JSONString.maxCount(consumer ?? "")
            + JSONString.maxCount(shape ?? "")
        let bound = 256 + RFC3339.maxMillisCount + 8 * FixedPoint.maxDecimalCount + 2 * 41 + strings
        return ByteCursor.bytes(capacity: bound) { out in
            out.put(#"{"time":""#)
            out.put { RFC3339.write(millis: timeMillis, at: $0) }
            out.put(#"","request_id":"#)
            out.put { JSONString.write(requestID, at: $0) }
            out.put(#","client":"#)
            out.put { JSONString.write(client, at: $0) }
            out.put(#","method":"#)
            out.put { JSONString.write(method, at: $0) }
            out.put(#","path":"#)
            out.put { JSONString.write(path, at: $0) }
            out.put(#","status":"#)
            FixedPoint.writeDecimal(status, to: &out)
            out.put(#","upstream":"#)
            if let upstream { out.put { JSONString.write(upstream, at: $0) } } else { out.put("null") }
            out.put(#","upstream_status":"#)
            if let upstreamStatus { FixedPoint.writeDecimal(upstreamStatus, to: &out) } else { out.put("null") }
            out.put(#","tries":"#)
            FixedPoint.writeDecimal(tries, to: &out)
            out.put(#","duration_ms":"#)
            FixedPoint.write(durationMicros, decimals: 3, to: &out)
            out.put(#","bytes_in":"#)
            FixedPoint.writeDecimal(bytesIn, to: &out)
            out.put(#","bytes_out":"#)
            FixedPoint.writeDecimal(bytesOut, to: &out)
            out.put(#","key_hash":"#)
            if let keyHash { out.put { JSONString.write(keyHash, at: $0) } } else { out.put("null") }
            out.put(#","consumer":"#)
            if let consumer { out.put { JSONString.write(consumer, at: $0) } } else { out.put("null") }
            out.put(#","rate_limit":""#)
            out.put(rateLimit.literal)
            out.put(#"","shape":"#)
            if let shape { out.put { JSONString.write(shape, at: $0) } } else { out.put("null") }
            out.put("}\n")
        }
    }
}

extension AccessLogEntry.RateLimitOutcome {
    /// The raw value as a static string, appended without building a `String`.
    fileprivate var literal: StaticString {
        switch self {
        case .allowed: "allowed"
        case .limited: "limited"
        case .off: "off"
        }
    }
}
