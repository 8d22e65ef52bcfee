import Engine
import Essentials
import RateLimiter

/// The Redis store of the rate limiter on a Redis Cluster, for one event loop (SPEC §13): each identity's
/// buckets are one key, so each script touches one slot; the script goes to the slot's master over one
/// ``RedisNode`` connection per master (opened with the session's `AUTH`), as the slot map read with
/// `CLUSTER SLOTS` says.
///
/// - `MOVED` moves the slot in the map at once, asks for a fresh map, and resends; `ASK` resends this one
///   script to the named node after `ASKING`; at most ``RedirectionPolicy/limit`` redirections per decision.
/// - A node that cannot be reached, a timeout, `CLUSTERDOWN` or `TRYAGAIN` completes the decision with nil
///   (the caller applies `on_failure`) and asks for a fresh map from any reachable node (seeds included), so
///   that after a failover the promoted replica is found without a restart.
/// - The script is loaded on each node (`SCRIPT LOAD`); `NOSCRIPT` resends it with its source.
///
/// Loop-confined, like ``RedisRateLimitClient``.
public final class RedisClusterClient {
    private let loop: EventLoop
    private let seeds: [RedisAddress]
    private let session: RedisSession
    private let reconnectNanoseconds: Int64
    private let report: (RedisStoreEvent) -> Void
    private let policy: RedirectionPolicy
    private let decisions: DecisionTable
    private var timeoutNanoseconds: Int64 { decisions.timeoutNanoseconds }
    private var nodes: [RedisAddress: RedisNode] = [:]

    /// Which master serves each slot, as last read (empty before the first `CLUSTER SLOTS` reply).
    public private(set) var slotMap = SlotMap()
    /// Decisions waiting for the first map.
    private var awaitingMap: [PendingDecision] = []
    /// Map refreshes: one in flight at most, at most one per `refreshSpacing`.
    private var refreshInFlightSince: Int64?
    private var lastRefreshAt: Int64 = .min / 2
    private let refreshSpacingNanoseconds: Int64 = 100_000_000
    /// Where the next refresh starts looking for a reachable node.
    private var refreshCursor = 0
    /// `CLUSTER SLOTS` replies read so far.
    public private(set) var mapReads = 0
    /// Masters of the map whose connection failed or closed and that have not answered a script since.
    private var lostMasters: Set<RedisAddress> = []
    /// While the map names a lost master, reads it again every `watchNanoseconds`, so that a worker with no
    /// traffic for those slots finds the promoted replica too.
    private var mapWatch: LoopTimer?
    private let watchNanoseconds: Int64 = 200_000_000

    /// A client of the cluster that `seeds` (any of its nodes) belong to, driven by `loop`; a decision the
    /// cluster has not answered within `timeout` completes with nil.
    public init(loop: EventLoop, seeds: [RedisAddress], timeout: Duration, reconnectInterval: Duration = .seconds(1),
                session: RedisSession = RedisSession(), redirections: RedirectionPolicy = RedirectionPolicy(),
                report: @escaping (RedisStoreEvent) -> Void = { _ in }) {
        self.loop = loop
        self.seeds = seeds
        self.session = RedisSession(username: session.username, password: session.password, database: 0)
        decisions = DecisionTable(loop: loop, timeout: timeout)
        reconnectNanoseconds = max(0, reconnectInterval.wholeNanoseconds)
        self.report = report
        policy = redirections
        mapWatch = LoopTimer(loop: loop) { [unowned self] in self.watchFired() }
    }

    deinit {
        mapWatch?.close()
    }

    /// Takes one token from each of `identity`'s buckets under `plan`, in the cluster; `completion` runs as
    /// ``RedisRateLimitClient/decide(identity:plan:completion:)`` says.
    public func decide(
        identity: some StringProtocol, plan: LimitPlan, completion: @escaping (RateLimitDecision?) -> Void
    ) {
        let pending = decisions.open(identity: identity, plan: plan, owner: self, completion: completion)
        let sent: Bool
        if slotMap.isEmpty {
            awaitingMap.append(pending)
            refreshMap()
            sent = true  // waits for the map within its timeout
        } else {
            sent = route(pending)
        }
        decisions.arm(pending, sent: sent)
    }

    /// Decisions whose completion has not run yet.
    public var waitingCount: Int { decisions.count }

    // MARK: - Routing

    /// Sends `pending` to its slot's master; false (and a map refresh asked for) when the slot has no master
    /// or the master cannot be reached.
    private func route(_ pending: PendingDecision) -> Bool {
        guard let master = slotMap.master(of: ClusterSlot.of(pending.key)) else {
            refreshMap()
            return false
        }
        return send(pending, to: master, asking: false)
    }

    /// Sends `pending` to `address`; when the node cannot be reached, the decision waits once (within its
    /// timeout) for the map read again, which may name another master.
    private func send(_ pending: PendingDecision, to address: RedisAddress, asking: Bool) -> Bool {
        if node(at: address).sendScript(pending, arguments: pending.arguments, asking: asking) { return true }
        return awaitMap(pending)
    }

    /// Queues `pending` for the next map unless it waited for one already; false when it did.
    private func awaitMap(_ pending: PendingDecision) -> Bool {
        refreshMap()
        guard !pending.awaitedMap, refreshInFlightSince != nil || !lostMasters.isEmpty else { return false }
        pending.awaitedMap = true
        awaitingMap.append(pending)
        return true
    }

    private func node(at address: RedisAddress) -> RedisNode {
        if let known = nodes[address] { return known }
        let fresh = RedisNode(address: address, loop: loop, session: session, timeoutNanoseconds: timeoutNanoseconds,
                              reconnectNanoseconds: reconnectNanoseconds, report: report)
        fresh.owner = self
        nodes[address] = fresh
        return fresh
    }

    // MARK: - The slot map

    /// Asks a reachable node for `CLUSTER SLOTS` unless a request is in flight or one was sent less than
    /// `refreshSpacing` ago; candidates are the map's masters and the seeds, in turn.
    func refreshMap() {
        let now = EventLoop.monotonicNanoseconds()
        if let since = refreshInFlightSince, now - since < max(timeoutNanoseconds, 250_000_000) { return }
        guard now - lastRefreshAt >= refreshSpacingNanoseconds else { return }
        var candidates = slotMap.masters
        for seed in seeds where !candidates.contains(seed) { candidates.append(seed) }
        guard !candidates.isEmpty else { return }
        for step in 0..<candidates.count {
            let address = candidates[(refreshCursor + step) % candidates.count]
            let node = node(at: address)
            guard node.isReachable else { continue }
            refreshCursor = (refreshCursor + step + 1) % candidates.count
            lastRefreshAt = now
            let sent = node.send(["CLUSTER", "SLOTS"]) { [weak self] reply in
                self?.mapArrived(reply, from: address, askedAt: now)
            }
            if sent {
                refreshInFlightSince = now
                return
            }
        }
    }

    private func mapArrived(_ reply: RedisValue?, from address: RedisAddress, askedAt: Int64) {
        if refreshInFlightSince == askedAt { refreshInFlightSince = nil }
        if let reply, let map = SlotMap(clusterSlots: reply, replying: address), !map.isEmpty {
            slotMap = map
            mapReads += 1
            lostMasters.formIntersection(map.masters)
        } else if case .error(let reason)? = reply {
            report(RedisStoreEvent(message: "redis refused CLUSTER SLOTS", details: ["node": "\(address)", "reason": reason]))
        }
        if slotMap.isEmpty && !awaitingMap.isEmpty {
            lastRefreshAt = .min / 2  // no map yet: ask the next reachable node at once
            refreshMap()
            if refreshInFlightSince != nil { return }
        }
        let queued = awaitingMap
        awaitingMap = []
        for pending in queued where !pending.isFinished {
            if slotMap.isEmpty || !route(pending) { pending.finish(nil) }
        }
    }
}

extension RedisClusterClient {
    /// Starts watching the map when `node` is one of its masters.
    private func watch(lost node: RedisNode) {
        guard slotMap.masters.contains(node.address) else { return }
        lostMasters.insert(node.address)
        if mapWatch?.isArmed != true { mapWatch?.arm(afterNanoseconds: watchNanoseconds) }
    }

    private func watchFired() {
        guard !lostMasters.isEmpty else { return }
        refreshMap()
        mapWatch?.arm(afterNanoseconds: watchNanoseconds)
    }
}

extension RedisClusterClient: RedisNodeOwner, PendingDecisionOwner {
    func nodeLost(_ node: RedisNode) {
        watch(lost: node)
    }

    /// The master could not be reached and the script did not run: it waits once (within its timeout) for the
    /// map read again, which may name the promoted replica.
    func node(_ node: RedisNode, couldNotSend pending: PendingDecision) {
        guard !pending.isFinished else { return }
        watch(lost: node)
        if !awaitMap(pending) { pending.finish(nil) }
    }

    func node(_ node: RedisNode, answered reply: ScriptReply?, for pending: PendingDecision) {
        if case .values? = reply { lostMasters.remove(node.address) }
        guard !pending.isFinished, !pending.settle(reply, from: node) else { return }
        switch reply {
        case .error(let text)?:
            guard let redirection = RedisRedirection(error: text, replying: node.address) else {
                refreshMap()  // CLUSTERDOWN, TRYAGAIN, a node that is no longer a master…
                return pending.finish(nil)
            }
            switch policy.step(after: redirection, followed: pending.redirections) {
            case .resend(let target, let asking, let remapSlot):
                pending.redirections += 1
                if let remapSlot {
                    slotMap.assign(remapSlot...remapSlot, to: target)
                    refreshMap()
                }
                if !send(pending, to: target, asking: asking) { pending.finish(nil) }
            case .giveUp:
                pending.finish(nil)
            }
        case nil:
            refreshMap()  // the connection went: the node may be gone
            pending.finish(nil)
        case .values?, .unknownScript?, .malformed?:
            pending.finish(nil)
        }
    }

    func forget(_ pending: PendingDecision) {
        decisions.remove(pending)
    }

    func requestTimedOut(on node: RedisNode) {
        refreshMap()
    }
}

extension RedisClusterClient: RemoteRateLimitStore {
    /// See `RemoteRateLimitStore.take`: ``decide(identity:plan:completion:)``.
    public func take(identity: String, plan: LimitPlan, completion: @escaping (RateLimitDecision?) -> Void) {
        decide(identity: identity, plan: plan, completion: completion)
    }
}
