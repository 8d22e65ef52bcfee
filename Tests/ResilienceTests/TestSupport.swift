import Resilience

/// A seeded, repeatable generator (SplitMix64) so that backoff tests are deterministic.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A generator that always answers the same word: its extremes show the bounds of a random range.
struct ConstantRandom: RandomNumberGenerator {
    let value: UInt64
    mutating func next() -> UInt64 { value }
}

/// Three targets, circuits opening after 3 failures for 30 s, trials expiring after 10 s, checks every 5 s.
func makeHealth(
    targets: Int = 3, failures: Int = 3, openFor: Duration = .seconds(30), trialTimeout: Duration = .seconds(10),
    clock: ManualResilienceClock
) -> TargetHealth {
    TargetHealth(
        targetCount: targets, failureThreshold: failures, openFor: openFor, trialTimeout: trialTimeout,
        checkInterval: .seconds(5), clock: clock)
}

extension TargetHealth {
    /// Records `count` failed non-trial tries of `target`.
    func fail(_ target: Int, times count: Int) {
        for _ in 0..<count { record(target: target, outcome: .failure, wasTrial: false) }
    }

    /// The circuit state of `target` in a fresh snapshot.
    func circuit(_ target: Int) -> CircuitState { snapshot()[target].circuit }
}
