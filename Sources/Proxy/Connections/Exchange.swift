import HTTP1
import Normaliser
import Resilience
import Stats

/// One request's state on a client connection, from its head to the end of its response.
struct Exchange {
    var requestID = ""
    var isHEAD = false
    /// HTTP/1.0 clients get no chunked framing and no keep-alive unless asked.
    var clientIsHTTP10 = false
    /// The connection closes after this response (client asked, error, or draining).
    var closeAfterResponse = false
    /// The request as it goes upstream: head (without framing headers) then, once complete, body.
    var upstreamRequest: [UInt8] = []
    var body: [UInt8] = []
    var sendContentLength = false
    var bodyRemaining = 0
    var chunked: ChunkedDecoder? = nil
    /// A rate-limit decision is awaited from Redis; dispatch waits for it.
    var decisionPending = false
    /// The body is complete and only the decision is missing.
    var dispatchWhenDecided = false
    /// Set when auth or the rate limiter refused the request: answered once the body is read, never forwarded.
    var refusal: PendingRefusal? = nil
    /// Rate-limit headers for the response, already formatted.
    var rateLimitHeaders: [UInt8] = []
    /// Whether a fresh connection was already tried after a stale keep-alive one failed.
    var retriedStale = false

    // Tries (SPEC §6).
    var methodIsIdempotent = false
    /// 0-based index of the current try.
    var attempt = 0
    var target = 0
    var isTrial = false
    /// A try is running on an upstream connection (its outcome is not recorded yet).
    var tryInFlight = false
    /// Monotonic time after which no further try starts.
    var deadline: Int64 = 0
    /// The current try's response is being read only to be thrown away before a retry.
    var discardingForRetry = false
    var retryDelay: Duration = .zero
    var lastFailure: TryFailure? = nil

    // Accounting (stats and the access log).
    /// `requestStarted()` was called for this request and its end is not recorded yet.
    var counted = false
    var startedAt: Int64 = 0
    var upstreamStartedAt: Int64 = 0
    var upstreamMicros: UInt64? = nil
    /// The status sent to the client.
    var finalStatus = 0
    var upstreamStatus: Int? = nil
    var bytesIn = 0
    /// `outbound.totalWritten` when the request began.
    var outboundMark = 0
    var method = ""
    var path = ""
    var keyHash: String? = nil
    var rateLimitOutcome = AccessLogEntry.RateLimitOutcome.off
    var shape: String? = nil

    // Response side.
    var responseStarted = false
    /// Collecting an error body for the normaliser.
    var collecting = false
    var collectedBody: [UInt8] = []
    var responseStatus = 0
    var responseContentEncoding: String? = nil
    var responseContentType: String? = nil
    /// Response head to send once the collected body has been normalised.
    var pendingHead: [UInt8] = []

    /// Back to the start for the next request, keeping the buffers' capacity (up to 64 KiB each).
    mutating func reset() {
        let kept = (Exchange.recycle(&upstreamRequest), Exchange.recycle(&body),
                    Exchange.recycle(&pendingHead), Exchange.recycle(&rateLimitHeaders))
        self = Exchange()
        (upstreamRequest, body, pendingHead, rateLimitHeaders) = kept
    }

    private static func recycle(_ buffer: inout [UInt8]) -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &buffer)
        taken.removeAll(keepingCapacity: taken.capacity <= 65536)
        return taken
    }
}

/// A request sluice answers itself instead of forwarding it.
struct PendingRefusal {
    var error: ProxyError
    var message: String
    var details: JSONValue?
}
