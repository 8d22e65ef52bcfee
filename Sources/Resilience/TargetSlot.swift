import Synchronization

/// One target's shared state: every field is an atomic, so workers never block each other.
final class TargetSlot: Sendable {
    /// Set by the health checker; true until a check says otherwise.
    let checkUp = Atomic<Bool>(true)
    /// The circuit breaker, a packed ``CircuitWord``.
    let circuit = Atomic<Int64>(CircuitWord.closed.raw)
    let consecutiveFailures = Atomic<Int>(0)
    let requests = Atomic<Int>(0)
    let failures = Atomic<Int>(0)

    init() {}

    func loadCircuit() -> CircuitWord {
        CircuitWord(raw: circuit.load(ordering: .acquiring))
    }

    /// Replaces `expected` with `desired`; on failure returns the word found instead.
    func exchangeCircuit(_ expected: CircuitWord, _ desired: CircuitWord) -> (exchanged: Bool, found: CircuitWord) {
        let (exchanged, original) = circuit.compareExchange(
            expected: expected.raw, desired: desired.raw, ordering: .acquiringAndReleasing)
        return (exchanged, CircuitWord(raw: original))
    }

    /// Applies `transition` to the current word until the exchange succeeds; `transition` returns nil to leave it.
    func updateCircuit(_ transition: (CircuitWord) -> CircuitWord?) {
        var word = loadCircuit()
        while let desired = transition(word) {
            let (exchanged, found) = exchangeCircuit(word, desired)
            if exchanged { return }
            word = found
        }
    }
}
