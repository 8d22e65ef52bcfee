/// A Redis Cluster redirection read from an error reply: `MOVED slot host:port` (the slot lives there now:
/// refresh the map) or `ASK slot host:port` (this one command goes there, after `ASKING`).
public enum RedisRedirection: Equatable, Sendable {
    case moved(slot: Int, to: RedisAddress)
    case ask(slot: Int, to: RedisAddress)

    /// Reads an error reply's text; nil when it is not a redirection. A node that answers with an empty host
    /// (`MOVED 3999 :6380`) means its own host: `replying` fills it in.
    public init?(error text: some StringProtocol, replying: RedisAddress) {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 3, let slot = Int(words[1]), (0..<ClusterSlot.count).contains(slot),
              var address = RedisAddress(words[2]) else { return nil }
        if address.host.isEmpty { address.host = replying.host }
        switch words[0] {
        case "MOVED": self = .moved(slot: slot, to: address)
        case "ASK": self = .ask(slot: slot, to: address)
        default: return nil
        }
    }

    /// The node the command goes to next.
    public var target: RedisAddress {
        switch self {
        case .moved(_, let to), .ask(_, let to): to
        }
    }
}

/// What the cluster client does with a redirected script: follow it while fewer than `limit` redirections
/// were followed for it (hiredis-cluster and redis-py stop after a handful), else give up (`on_failure`).
public struct RedirectionPolicy: Sendable, Equatable {
    /// The most redirections followed for one decision.
    public var limit: Int

    /// A policy; 5 by default.
    public init(limit: Int = 5) { self.limit = limit }

    /// The step after `redirection` when `followed` redirections were already followed.
    public func step(after redirection: RedisRedirection, followed: Int) -> RedirectionStep {
        guard followed < limit else { return .giveUp }
        switch redirection {
        case .moved(let slot, let to): return .resend(to: to, asking: false, remapSlot: slot)
        case .ask(_, let to): return .resend(to: to, asking: true, remapSlot: nil)
        }
    }
}

/// One step of ``RedirectionPolicy``.
public enum RedirectionStep: Equatable, Sendable {
    /// Send the script again to `to` (preceded by `ASKING` when `asking`); `remapSlot` moves to `to` in the slot
    /// map at once (a `MOVED`), before the full refresh it also triggers.
    case resend(to: RedisAddress, asking: Bool, remapSlot: Int?)
    /// Too many redirections: no decision.
    case giveUp
}
