/// The result of normalising one upstream error response.
public struct NormalisedError: Sendable {
    /// The canonical envelope.
    public var envelope: ErrorEnvelope
    /// The dialect the upstream body was recognised as (for the `/stats` counters).
    public var shape: ErrorShape
    /// `envelope.encoded()`: the body to send, identity-encoded, as `application/json; charset=utf-8`.
    public var body: [UInt8]

    /// A result for `envelope` recognised as `shape`; `body` is the envelope encoded.
    public init(envelope: ErrorEnvelope, shape: ErrorShape) {
        self.envelope = envelope
        self.shape = shape
        self.body = envelope.encoded()
    }
}
