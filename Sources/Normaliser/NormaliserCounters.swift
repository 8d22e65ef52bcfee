import Synchronization

/// Thread-safe counters of rewritten upstream error responses, per shape, for `/stats` and `/metrics`
/// (`normaliser.rewritten`, `normaliser.by_shape`). One instance is shared by every worker.
public final class NormaliserCounters: Sendable {
    /// One atomic count (a class, because `Atomic` cannot be copied into an array).
    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    private let counts: [Counter]  // indexed like ErrorShape.allCases

    /// Counters at zero.
    public init() {
        counts = ErrorShape.allCases.map { _ in Counter() }
    }

    /// Counts one rewritten response of `shape`.
    public func record(_ shape: ErrorShape) {
        counts[Self.index(of: shape)].value.wrappingAdd(1, ordering: .relaxed)
    }

    /// How many responses of `shape` were rewritten.
    public func count(of shape: ErrorShape) -> Int {
        counts[Self.index(of: shape)].value.load(ordering: .relaxed)
    }

    /// All rewritten responses.
    public var rewritten: Int {
        ErrorShape.allCases.reduce(0) { $0 + count(of: $1) }
    }

    /// Every shape with its count, in `ErrorShape.allCases` order (names are the raw values).
    public var byShape: [(shape: ErrorShape, count: Int)] {
        ErrorShape.allCases.map { ($0, count(of: $0)) }
    }

    private static func index(of shape: ErrorShape) -> Int {
        ErrorShape.allCases.firstIndex(of: shape) ?? 0
    }
}
