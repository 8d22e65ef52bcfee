/// A consumer of a `KeyTable`, as the verdict names it: resolve with `KeyTable.consumer(_:)` of the same table
/// (a reloaded table numbers its consumers afresh).
public struct ConsumerRef: Hashable, Sendable {
    let index: UInt32
}

/// A consumer of the keys file: the `id` its keys share, their plan and scopes.
public struct Consumer: Hashable, Sendable {
    /// The consumer's name (`id`), 1–64 of `[A-Za-z0-9._-]`.
    public var id: String
    /// The name of its entry of `rate_limit.plans`; nil for `rate_limit.limits`.
    public var plan: String?
    /// Its scopes, sorted, without repeats.
    public var scopes: [String]

    /// A consumer.
    public init(id: String, plan: String?, scopes: [String]) {
        self.id = id
        self.plan = plan
        self.scopes = scopes
    }
}
