import Synchronization

/// The running workers as the control thread sees them, registered by their own threads as they start, and
/// whether a drain has begun. The two are kept under one lock so that a worker whose thread starts late (a
/// loaded machine) cannot miss the drain: it is either in the list the drain reaches, or told by
/// ``register(_:)`` that the drain began before it.
final class WorkerRegistry<Reference: Sendable>: Sendable {
    private struct State {
        var references: [(index: Int, reference: Reference)] = []
        var isDraining = false
    }

    private let state = Mutex(State())

    /// Adds the worker `index`. True when a drain began before it registered: that worker must drain at once.
    func register(_ reference: Reference, index: Int) -> Bool {
        state.withLock { state in
            state.references.append((index, reference))
            return state.isDraining
        }
    }

    /// Forgets the worker `index` (its loop has ended).
    func remove(index: Int) {
        state.withLock { $0.references.removeAll { $0.index == index } }
    }

    /// The workers registered now.
    var references: [Reference] {
        state.withLock { $0.references.map(\.reference) }
    }

    /// Marks the drain begun and returns the workers registered so far; any later one learns of the drain
    /// from ``register(_:index:)``.
    func beginDrain() -> [Reference] {
        state.withLock { state in
            state.isDraining = true
            return state.references.map(\.reference)
        }
    }
}
