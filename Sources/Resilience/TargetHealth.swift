import Essentials

/// The health of every configured upstream target, shared by all worker threads (SPEC §6).
///
/// Per target it holds the circuit breaker (`failures` consecutive failed tries open it for `open_for`; then
/// exactly one trial request is let through across all workers; its success closes it, its failure re-opens it)
/// and the active health-check status. Every operation is lock-free: a few atomic loads on the fast path of
/// ``choose(startingAt:)``, and the clock is only read when some circuit is not closed.
public final class TargetHealth: Sendable {
    private let slots: [TargetSlot]
    private let failureThreshold: Int
    private let openFor: Int64
    private let trialTimeout: Int64
    private let checkInterval: Int64
    private let clock: any ResilienceClock

    /// Creates the state of `targetCount` targets, all up with closed circuits.
    /// - Parameters:
    ///   - failureThreshold: `circuit_breaker.failures`, consecutive failed tries that open a circuit (at least 1).
    ///   - openFor: `circuit_breaker.open_for`.
    ///   - trialTimeout: how long a taken trial slot may stay unrecorded before another request may take it
    ///     (a safety net against a lost outcome). Pass `connect_timeout + response_timeout`; default `openFor`.
    ///   - checkInterval: `health_check.interval`, the Retry-After used for targets that health checks marked down.
    ///   - clock: a monotonic clock (``MonotonicClock`` in the proxy).
    public init(
        targetCount: Int, failureThreshold: Int, openFor: Duration, trialTimeout: Duration? = nil,
        checkInterval: Duration = .seconds(5), clock: some ResilienceClock
    ) {
        slots = (0..<max(targetCount, 0)).map { _ in TargetSlot() }
        self.failureThreshold = max(failureThreshold, 1)
        self.openFor = max(0, openFor.wholeNanoseconds)
        self.trialTimeout = max((trialTimeout ?? openFor).wholeNanoseconds, 1)
        self.checkInterval = max(0, checkInterval.wholeNanoseconds)
        self.clock = clock
    }

    /// The number of targets.
    public var targetCount: Int { slots.count }

    /// Picks the target for one try: the first, in round-robin order from `startingAt`, that health checks have
    /// not marked down and whose circuit is closed, or half-open with its trial slot free (then this try takes
    /// the slot, atomically, and is the trial). `startingAt` may be any integer (it is reduced modulo the count).
    ///
    /// A worker keeps its own cursor and passes `cursor`, then sets it to the chosen index + 1. A retry passes
    /// the failed try's index + 1: the next healthy target, and the same one only when it is the only one.
    public func choose(startingAt start: Int) -> TargetChoice {
        let count = slots.count
        guard count > 0 else { return .noneHealthy(retryAfterSeconds: 1) }
        var index = start % count
        if index < 0 { index += count }
        var now: Int64 = -1
        for _ in 0..<count {
            let slot = slots[index]
            if slot.checkUp.load(ordering: .relaxed) {
                let word = slot.loadCircuit()
                if word.isClosed { return .target(index, isTrial: false) }
                if now < 0 { now = clock.nowNanoseconds() }
                switch claim(slot, word, now: now) {
                case .closed: return .target(index, isTrial: false)
                case .trial: return .target(index, isTrial: true)
                case .unavailable: break
                }
            }
            index += 1
            if index == count { index = 0 }
        }
        return .noneHealthy(retryAfterSeconds: retryAfterSeconds(now: now < 0 ? clock.nowNanoseconds() : now))
    }

    private enum Claim { case closed, trial, unavailable }

    /// Takes the trial slot of a circuit that is not closed, if it is free (open time over, or trial expired).
    private func claim(_ slot: TargetSlot, _ seen: CircuitWord, now: Int64) -> Claim {
        var word = seen
        while true {
            if word.isClosed { return .closed }
            let free = word.isOpen ? now >= word.time : now - word.time >= trialTimeout
            guard free else { return .unavailable }
            let (exchanged, found) = slot.exchangeCircuit(word, .trial(since: now))
            if exchanged { return .trial }
            word = found
        }
    }

    /// Whole seconds (rounded up, at least 1) until some target may take a request again: the earliest circuit
    /// to half-open, or the health-check interval for targets checked down, or 1 while a trial is in flight.
    private func retryAfterSeconds(now: Int64) -> Int {
        var earliest = Int64.max
        for slot in slots {
            let word = slot.loadCircuit()
            var at = word.isOpen ? max(now, word.time) : now
            if !slot.checkUp.load(ordering: .relaxed) { at = max(at, now.saturatingAdd(checkInterval)) }
            earliest = min(earliest, at)
        }
        let wait = earliest - now
        let seconds = wait / 1_000_000_000 + (wait % 1_000_000_000 == 0 ? 0 : 1)
        return Int(max(seconds, 1))
    }

    /// Records how a try to `target` ended. `wasTrial` is the `isTrial` that ``choose(startingAt:)`` returned.
    ///
    /// A success resets the consecutive failures and, for the trial, closes the circuit. A failure counts towards
    /// `failures` (the try that reaches it opens a closed circuit for `open_for`) and, for the trial, re-opens the
    /// circuit for another `open_for`. A cancelled trial frees the slot for the next request.
    /// Tries chosen before their circuit opened change no state but the counters when they end.
    public func record(target: Int, outcome: TryOutcome, wasTrial: Bool) {
        guard slots.indices.contains(target) else { return }
        let slot = slots[target]
        slot.requests.wrappingAdd(1, ordering: .relaxed)
        switch outcome {
        case .success:
            if slot.consecutiveFailures.load(ordering: .relaxed) != 0 {
                slot.consecutiveFailures.store(0, ordering: .relaxed)
            }
            if wasTrial { slot.updateCircuit { $0.isTrial ? .closed : nil } }
        case .failure:
            slot.failures.wrappingAdd(1, ordering: .relaxed)
            let failures = slot.consecutiveFailures.wrappingAdd(1, ordering: .relaxed).newValue
            let reachesThreshold = failures >= failureThreshold
            guard wasTrial || reachesThreshold else { return }
            let reopenAt = clock.nowNanoseconds().saturatingAdd(openFor)
            slot.updateCircuit { word in
                if word.isTrial { return wasTrial ? .open(until: reopenAt) : nil }
                return word.isClosed && reachesThreshold ? .open(until: reopenAt) : nil
            }
        case .cancelled:
            if wasTrial {
                let now = clock.nowNanoseconds()
                slot.updateCircuit { $0.isTrial ? .open(until: now) : nil }
            }
        }
    }

    /// Records a try as ``TryOutcome/success`` or ``TryOutcome/failure``.
    public func record(target: Int, success: Bool, wasTrial: Bool) {
        record(target: target, outcome: success ? .success : .failure, wasTrial: wasTrial)
    }

    /// Sets the active health-check status of `target` (called by ``HealthChecker``).
    ///
    /// A target coming back up (down → up) also closes its circuit and clears its consecutive failures: the
    /// check is a fresh success, as Envoy un-ejects a host that passes an active health check. An up target
    /// that stays up leaves its circuit alone, so a target that answers its health path but fails real
    /// requests still trips its breaker.
    public func setHealthCheck(target: Int, up: Bool) {
        guard slots.indices.contains(target) else { return }
        let slot = slots[target]
        let wasUp = slot.checkUp.exchange(up, ordering: .acquiringAndReleasing)
        if up && !wasUp {
            slot.consecutiveFailures.store(0, ordering: .relaxed)
            slot.updateCircuit { $0.isClosed ? nil : .closed }
        }
    }

    /// True when at least one target is healthy (health checks up, circuit not open): `/readyz`.
    public var hasHealthyTarget: Bool {
        let now = clock.nowNanoseconds()
        return slots.contains { $0.checkUp.load(ordering: .relaxed) && $0.loadCircuit().state(now: now) != .open }
    }

    /// Every target's state and counters, in `upstream.targets` order, for `/stats` and `/metrics`.
    public func snapshot() -> [TargetState] {
        let now = clock.nowNanoseconds()
        return slots.indices.map { index in
            let slot = slots[index]
            return TargetState(
                index: index,
                healthCheckUp: slot.checkUp.load(ordering: .relaxed),
                circuit: slot.loadCircuit().state(now: now),
                consecutiveFailures: slot.consecutiveFailures.load(ordering: .relaxed),
                requests: slot.requests.load(ordering: .relaxed),
                failures: slot.failures.load(ordering: .relaxed))
        }
    }
}
