import OpenSSLBinding

/// The keys of a keys file, loaded: looked up by the SHA-256 of a presented key in O(1), without
/// allocating, from any thread (SPEC §10).
///
/// Keys live in one array of 48-byte entries; an open-addressing index of `UInt32` slots (at most half full,
/// linear probing) is keyed by the digest's first 8 bytes — a SHA-256 is uniform, so they need no further
/// hashing — and every probe compares the full digest. Consumers (the `id`s, shared by the keys of one
/// consumer during rotation) keep their names in one byte arena. A million keys of distinct consumers take
/// about 100 MB (see `KeyCheckBench`). Build one with `KeyRegistry`.
public final class KeyTable: Sendable {
    /// One key of the file.
    struct Entry {
        var digest: SHA256Digest
        /// Unix seconds from which the key is refused; `Int64.max` when it never expires.
        var expires: Int64
        /// Index into `consumers`.
        var consumer: UInt32
        /// Where the key is in the file (kept in what would be padding).
        var line: UInt32
        var revoked: Bool
    }

    /// One consumer: its name in `idBytes`, its plan and its scopes.
    struct ConsumerEntry {
        var idStart: UInt32
        /// Index into `scopeSets`.
        var scopes: UInt32
        /// The first line that named the consumer.
        var line: UInt32
        /// Index into `planNames` plus one; 0 for no plan (`rate_limit.limits`).
        var plan: UInt16
        var idCount: UInt8
    }

    let entries: [Entry]
    /// `entries` index + 1 per slot, 0 for an empty slot; a power of two long.
    let keySlots: [UInt32]
    let consumers: [ConsumerEntry]
    let idBytes: [UInt8]
    let consumerSlots: [UInt32]
    let planNames: [String]
    let scopeSets: [[String]]

    init(entries: [Entry], keySlots: [UInt32], consumers: [ConsumerEntry], idBytes: [UInt8], consumerSlots: [UInt32],
         planNames: [String], scopeSets: [[String]]) {
        self.entries = entries
        self.keySlots = keySlots
        self.consumers = consumers
        self.idBytes = idBytes
        self.consumerSlots = consumerSlots
        self.planNames = planNames
        self.scopeSets = scopeSets
    }

    /// The number of keys (revoked and expired ones included), for `/stats` `auth.keys_loaded`.
    public var keyCount: Int { entries.count }

    /// The number of distinct consumers.
    public var consumerCount: Int { consumers.count }

    /// The consumer named `id`, if the file has one.
    public func consumer(named id: String) -> ConsumerRef? {
        var id = id
        return id.withUTF8 { name in
            KeyTable.find(in: consumerSlots, hash: KeyTable.hash(name)) { consumerID(at: Int($0)).elementsEqual(name) }
                .map { ConsumerRef(index: $0) }
        }
    }

    /// The consumer's name, plan and scopes.
    public func consumer(_ consumer: ConsumerRef) -> Consumer {
        let entry = consumers[Int(consumer.index)]
        return Consumer(
            id: String(decoding: consumerID(at: Int(consumer.index)), as: UTF8.self),
            plan: entry.plan == 0 ? nil : planNames[Int(entry.plan) - 1],
            scopes: scopeSets[Int(entry.scopes)])
    }

    /// The index of the key whose SHA-256 is `digest`.
    @inline(__always)
    func entryIndex(of digest: SHA256Digest) -> Int? {
        keySlots.withUnsafeBufferPointer { slots in
            entries.withUnsafeBufferPointer { entries in
                let mask = slots.count - 1
                var slot = Int(truncatingIfNeeded: digest.leadingWord) & mask
                while true {
                    let stored = slots[slot]
                    if stored == 0 { return nil }
                    let index = Int(stored &- 1)
                    if entries[index].digest == digest { return index }
                    slot = (slot &+ 1) & mask
                }
            }
        }
    }

    /// The name bytes of consumer `index`.
    func consumerID(at index: Int) -> ArraySlice<UInt8> {
        let entry = consumers[index]
        return idBytes[Int(entry.idStart)..<Int(entry.idStart) + Int(entry.idCount)]
    }

    // MARK: The open-addressing index (shared by keys and consumers).

    /// A slot count, a power of two, that keeps `count` entries at most half full.
    static func slotCount(for count: Int) -> Int {
        var slots = 16
        while slots < 2 * count { slots <<= 1 }
        return slots
    }

    /// The stored index (slot value − 1) for which `matches` holds, probing from `hash`.
    static func find(in slots: [UInt32], hash: UInt64, matches: (UInt32) -> Bool) -> UInt32? {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            if matches(slots[slot] - 1) { return slots[slot] - 1 }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Puts `index` in the first free slot probing from `hash` (the caller made sure it is not there).
    static func insert(_ index: UInt32, into slots: inout [UInt32], hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = index + 1
    }

    /// The hash of a consumer name (SipHash through `Hasher`: names come from the file, not from clients).
    static func hash(_ name: some Collection<UInt8>) -> UInt64 {
        var hasher = Hasher()
        if name.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            hasher.combine(bytes: Array(name).withUnsafeBytes { $0 })
        }
        return UInt64(UInt(bitPattern: hasher.finalize()))
    }
}

/// A consumer of a `KeyTable`, as the verdict names it: resolve with `KeyTable.consumer(_:)`.
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
