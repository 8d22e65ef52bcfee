import Config
import HTTP1

/// SPEC §4's rules for the header fields of a client's request: which go upstream as sent, which are
/// dropped, and whose `X-Forwarded-For` is kept. Pure: it sees bytes and the peer's address, never a
/// socket. Built once per configuration.
///
/// Dropped: hop-by-hop fields and those named in `Connection`; the ones sluice writes itself
/// (`Content-Length`, `Expect`, `X-Forwarded-Proto`, `X-Request-Id`); `X-Consumer-Id` and
/// `X-Consumer-Plan` (only sluice may say who the consumer is); names containing `_` unless
/// `server.underscores_in_headers`; and, from a peer not in `server.trusted_proxies`, `Forwarded`,
/// `X-Forwarded-For`, `X-Forwarded-Host` and `X-Real-IP`. A trusted peer's `X-Forwarded-For` values
/// come first in the one sluice writes.
struct RequestHeaderPolicy: Sendable {
    /// What becomes of one field.
    enum Action: Equatable {
        /// Sent upstream as it came.
        case forward
        /// Not sent.
        case drop
        /// Not sent as it came: its value starts the `X-Forwarded-For` sluice writes (the peer is appended).
        case keepInForwardedFor
    }

    /// `server.trusted_proxies`.
    let trustedProxies: TrustedProxies
    /// `server.underscores_in_headers`.
    let forwardsUnderscoredNames: Bool

    /// The policy of `server`.
    init(_ server: ServerConfig) {
        self.init(trustedProxies: server.trustedProxies, forwardsUnderscoredNames: server.underscoresInHeaders)
    }

    /// A policy from its two settings.
    init(trustedProxies: TrustedProxies, forwardsUnderscoredNames: Bool) {
        self.trustedProxies = trustedProxies
        self.forwardsUnderscoredNames = forwardsUnderscoredNames
    }

    /// Whether a request from `peer` may speak for its client.
    @inline(__always)
    func trusts(_ peer: IPAddress) -> Bool {
        !trustedProxies.isEmpty && trustedProxies.contains(peer)
    }

    /// What becomes of `field` of a head parsed from `buffer`, whose `Connection` fields nominated
    /// `nominations`, sent by a peer that `fromTrustedPeer` or not.
    @inline(__always)
    func action(
        for field: HeaderField, in buffer: UnsafeRawBufferPointer, nominations: ConnectionNominations,
        fromTrustedPeer: Bool
    ) -> Action {
        let name = HeaderName.classify(buffer, field.name)
        if name.isHopByHop { return .drop }
        switch name {
        case .contentLength, .expect, .xForwardedProto, .xRequestID, .xConsumer:
            return .drop
        case .xForwardedFor:
            return fromTrustedPeer ? .keepInForwardedFor : .drop
        case .forwarded, .xForwardedHost, .xRealIP:
            return fromTrustedPeer ? .forward : .drop
        case .other:
            // No name sluice knows has a "_"; Connection may nominate extension fields, never Host,
            // Authorization or the framing.
            if !forwardsUnderscoredNames && HeaderName.containsUnderscore(buffer, field.name) { return .drop }
            if !nominations.isEmpty && nominations.contains(field.name, in: buffer) { return .drop }
            return .forward
        default:
            return .forward
        }
    }
}
