import Essentials

/// Rewrites an upstream error response body into the canonical envelope (SPEC §7). A pure function of
/// its inputs: the clock and the request id are passed in.
public struct Normaliser: Sendable {
    /// `errors.rules`, checked before the built-in status + message table.
    public var rules: [CodeRule]
    /// `errors.expose_upstream_5xx_messages`: keep the upstream's message (and details) for 5xx.
    public var exposeUpstream5xxMessages: Bool
    /// The largest body, before and after decoding, that is looked at; anything bigger is `other`.
    public var bodyCap: Int

    /// A normaliser with the given rules, 5xx exposure and body cap (bytes).
    public init(rules: [CodeRule] = [], exposeUpstream5xxMessages: Bool = false, bodyCap: Int = 1 << 20) {
        self.rules = rules
        self.exposeUpstream5xxMessages = exposeUpstream5xxMessages
        self.bodyCap = max(0, bodyCap)
    }

    /// The envelope for an upstream error response.
    ///
    /// - Parameters:
    ///   - status: the upstream status (kept by the proxy).
    ///   - contentEncoding: the upstream `Content-Encoding` (gzip, deflate, identity or nil).
    ///   - body: the de-chunked upstream body.
    ///   - requestID: the `X-Request-Id` returned to the client.
    ///   - unixSeconds: now, for the timestamp (unless an `error_object` body carries a valid one).
    public func normalise(status: Int, contentEncoding: String?, body: [UInt8], requestID: String, now unixSeconds: Int64) -> NormalisedError {
        let recognised = recognise(contentEncoding: contentEncoding, body: body)
        let upstreamMessage = recognised.message ?? ""
        let code = recognised.statedCode
            ?? ErrorCodeTable.code(status: status, message: upstreamMessage, details: recognised.details, rules: rules)
        let hidesUpstream = recognised.shape == .other || (status >= 500 && !exposeUpstream5xxMessages)
        let message = hidesUpstream || upstreamMessage.isEmpty ? GenericMessages.message(for: status) : upstreamMessage
        let envelope = ErrorEnvelope(
            code: code,
            message: message,
            details: hidesUpstream ? nil : recognised.details,
            timestamp: recognised.timestamp ?? RFC3339.format(unixSeconds: unixSeconds),
            requestID: requestID)
        return NormalisedError(envelope: envelope, shape: recognised.shape)
    }

    /// Decodes and parses the body and recognises its shape.
    func recognise(contentEncoding: String?, body: [UInt8]) -> RecognisedBody {
        guard var decoded = ContentDecoder.decode(body, contentEncoding: contentEncoding, limit: bodyCap) else { return .other }
        if decoded.starts(with: [0xEF, 0xBB, 0xBF]) { decoded.removeFirst(3) }  // a UTF-8 byte-order mark
        guard let value = JSONParser.parse(decoded) else { return .other }
        return ErrorBodyRecogniser.recognise(value)
    }
}
