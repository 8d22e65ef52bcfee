import HTTP1
import Normaliser
import Stats

/// One request's data on a client connection, from its head to the end of its response: what goes upstream,
/// what comes back to be answered, and what is accounted. What happens next is not here: that is the
/// connection's ``ExchangeMachine``.
struct ExchangeRecord {
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
    /// Why the admission chain refused the request: answered once the body is read, never forwarded.
    var refusal: PendingRefusal? = nil
    /// Rate-limit headers for the response, already formatted.
    var rateLimitHeaders: [UInt8] = []

    // Accounting (stats and the access log).
    /// `requestStarted()` was called for this request and its end is not recorded yet.
    var counted = false
    var startedAt: Int64 = 0
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
    /// The consumer whose key the keys file accepted.
    var consumer: String? = nil
    /// Who the rate limit applies to (for `/stats` `rate_limit.top_limited`).
    var limitedIdentity = RateLimiting.LimitedIdentity.address
    var rateLimitOutcome = AccessLogEntry.RateLimitOutcome.off
    var shape: String? = nil

    // A response collected for the normaliser (or kept for a retry).
    var collectedBody: [UInt8] = []
    var responseStatus = 0
    var responseContentEncoding: String? = nil
    var responseContentType: String? = nil
    /// Response head to send once the collected body has been normalised.
    var pendingHead: [UInt8] = []

    /// Back to the start for the next request, keeping the buffers' capacity (up to 64 KiB each).
    mutating func reset() {
        let kept = (ExchangeRecord.recycle(&upstreamRequest), ExchangeRecord.recycle(&body),
                    ExchangeRecord.recycle(&pendingHead), ExchangeRecord.recycle(&rateLimitHeaders))
        self = ExchangeRecord()
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
