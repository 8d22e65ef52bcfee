import Essentials

/// The schedule and the up/down state machine of active health checks (SPEC §6 `health_check`), without sockets.
///
/// One instance runs on the control loop (checks are made from one place, not once per worker). The loop asks
/// ``dueTargets()`` when its timer fires, makes a `GET health_check.path` to each target returned (bounded by
/// `health_check.timeout`), reports each result with ``record(target:passed:)`` or ``record(target:status:)``,
/// and re-arms its timer for ``delayUntilNextDue()``. Transitions are written to the shared ``TargetHealth``.
///
/// Defaults, as nginx and Envoy deployments commonly use them: every target starts **up** (traffic flows at
/// start-up; Envoy's default too), goes **down after 2 consecutive failed checks** (one lost packet does not
/// eject a target), and comes **up after 1 passing check** (nginx's `passes=1`: a recovered target serves again
/// at once; a target coming up also closes its circuit, see ``TargetHealth/setHealthCheck(target:up:)``).
/// The first check of every target is due immediately, then one every `interval` (fixed rate).
public struct HealthChecker: Sendable {
    /// `health_check.interval`: time between two checks of one target.
    public let interval: Duration
    /// Consecutive failed checks that mark an up target down.
    public let unhealthyThreshold: Int
    /// Consecutive passing checks that mark a down target up.
    public let healthyThreshold: Int

    private struct Target {
        var up = true
        var consecutivePasses = 0
        var consecutiveFailures = 0
        var nextDue: Int64
    }

    private let health: TargetHealth
    private let clock: any ResilienceClock
    private let intervalNanoseconds: Int64
    private var targets: [Target]

    /// Creates the checker of every target of `health`, all up, all due now.
    public init(
        health: TargetHealth, interval: Duration, unhealthyThreshold: Int = 2, healthyThreshold: Int = 1,
        clock: some ResilienceClock
    ) {
        self.health = health
        self.clock = clock
        self.interval = interval
        self.unhealthyThreshold = max(unhealthyThreshold, 1)
        self.healthyThreshold = max(healthyThreshold, 1)
        intervalNanoseconds = max(interval.wholeNanoseconds, 1)
        let now = clock.nowNanoseconds()
        targets = Array(repeating: Target(nextDue: now), count: health.targetCount)
    }

    /// Whether each target is up according to the checks (the checker's own view).
    public var isUp: [Bool] { targets.map(\.up) }

    /// The targets whose check is due now, in index order; each is scheduled again one `interval` after it was
    /// due (or after now, if the loop fell more than an interval behind). Start one check per index returned.
    public mutating func dueTargets() -> [Int] {
        let now = clock.nowNanoseconds()
        var due: [Int] = []
        for index in targets.indices where targets[index].nextDue <= now {
            due.append(index)
            let next = targets[index].nextDue.saturatingAdd(intervalNanoseconds)
            targets[index].nextDue = next > now ? next : now.saturatingAdd(intervalNanoseconds)
        }
        return due
    }

    /// How long until the next check is due (zero when one is due now); `interval` when there are no targets.
    public func delayUntilNextDue() -> Duration {
        guard let next = targets.map(\.nextDue).min() else { return interval }
        return .nanoseconds(max(next - clock.nowNanoseconds(), 0))
    }

    /// Whether a health-check answer with `status` passes: 2xx and 3xx, as nginx's default `match`.
    public static func passes(status: Int) -> Bool {
        (200..<400).contains(status)
    }

    /// Records a check's answer: its status, or nil when there was none (connect error, broken connection,
    /// `health_check.timeout` exceeded, unparseable response).
    @discardableResult
    public mutating func record(target: Int, status: Int?) -> HealthTransition? {
        record(target: target, passed: status.map(Self.passes(status:)) ?? false)
    }

    /// Records whether a check of `target` passed. Returns the transition it caused (for the log), which is
    /// also written to the shared ``TargetHealth``; nil when the target's status did not change.
    @discardableResult
    public mutating func record(target: Int, passed: Bool) -> HealthTransition? {
        guard targets.indices.contains(target) else { return nil }
        if passed {
            targets[target].consecutiveFailures = 0
            targets[target].consecutivePasses += 1
            guard !targets[target].up, targets[target].consecutivePasses >= healthyThreshold else { return nil }
            targets[target].up = true
            health.setHealthCheck(target: target, up: true)
            return .cameUp
        } else {
            targets[target].consecutivePasses = 0
            targets[target].consecutiveFailures += 1
            guard targets[target].up, targets[target].consecutiveFailures >= unhealthyThreshold else { return nil }
            targets[target].up = false
            health.setHealthCheck(target: target, up: false)
            return .wentDown
        }
    }
}

/// A change of a target's health-check status, returned by ``HealthChecker/record(target:passed:)`` for logging.
public enum HealthTransition: Sendable, Equatable {
    /// `unhealthyThreshold` consecutive checks failed: the target takes no requests until it passes again.
    case wentDown
    /// `healthyThreshold` consecutive checks passed after it was down: the target takes requests again.
    case cameUp
}
