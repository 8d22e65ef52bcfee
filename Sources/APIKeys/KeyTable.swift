import OpenSSLBinding

/// The keys of a keys file, loaded: looked up by the SHA-256 of a presented key in O(1), without
/// allocating, from any thread (SPEC §10).
///
/// The keys themselves form an open-addressing table (at most 70% full, linear probing) of 48-byte
/// entries, indexed by the digest's first 8 bytes — a SHA-256 is uniform, so they need no further hashing
/// — and every probe compares the full digest: a lookup touches one or two adjacent cache lines. Consumers
/// (the `id`s, shared by the keys of one consumer during rotation) keep their names in one byte arena, found
/// through a second index. Build one with `KeyRegistry`; `KeyCheckBench` measures a million keys.
public final class KeyTable: Sendable {
    /// One slot of the key table.
    struct Entry {
        var digest: SHA256Digest
        /// Unix seconds from which the key is refused; `Int64.max` when it never expires.
        var expires: Int64
        /// The index into `consumers` in the low 31 bits, the top bit set when revoked; `emptyMark` for a free slot.
        var consumerAndRevoked: UInt32
        /// The consumer's index into `scopeSets` (copied here so an accepted key needs no other memory).
        var scopes: UInt32

        static let emptyMark = UInt32.max
        static let revokedBit: UInt32 = 1 << 31
        /// A free slot (its digest is never compared: the mark says it is free).
        static let empty = Entry(digest: SHA256Digest(hashing: [UInt8]()), expires: 0, consumerAndRevoked: emptyMark, scopes: 0)

        var isEmpty: Bool { consumerAndRevoked == Self.emptyMark }
        var isRevoked: Bool { consumerAndRevoked & Self.revokedBit != 0 }
        var consumer: UInt32 { consumerAndRevoked & ~Self.revokedBit }
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

    /// The open-addressing table of keys.
    let slots: [Entry]
    /// The number of keys (revoked and expired ones included), for `/stats` `auth.keys_loaded`.
    public let keyCount: Int
    let consumers: [ConsumerEntry]
    let idBytes: [UInt8]
    /// `consumers` index + 1 per slot, 0 for a free slot.
    let consumerSlots: [UInt32]
    let planNames: [String]
    let scopeSets: [[String]]

    init(slots: [Entry], keyCount: Int, consumers: [ConsumerEntry], idBytes: [UInt8], consumerSlots: [UInt32],
         planNames: [String], scopeSets: [[String]]) {
        self.slots = slots
        self.keyCount = keyCount
        self.consumers = consumers
        self.idBytes = idBytes
        self.consumerSlots = consumerSlots
        self.planNames = planNames
        self.scopeSets = scopeSets
    }

    /// The number of distinct consumers.
    public var consumerCount: Int { consumers.count }

    /// The consumer named `id`, if the file has one.
    public func consumer(named id: String) -> ConsumerRef? {
        var id = id
        return id.withUTF8 { name in
            KeyTable.findConsumer(UnsafeRawBufferPointer(name), in: consumerSlots, consumers: consumers, idBytes: idBytes)
                .map { ConsumerRef(index: $0) }
        }
    }

    /// The consumer's name, plan and scopes.
    public func consumer(_ consumer: ConsumerRef) -> Consumer {
        let entry = consumers[Int(consumer.index)]
        return Consumer(
            id: String(decoding: idBytes[Int(entry.idStart)..<Int(entry.idStart) + Int(entry.idCount)], as: UTF8.self),
            plan: entry.plan == 0 ? nil : planNames[Int(entry.plan) - 1],
            scopes: scopeSets[Int(entry.scopes)])
    }

    /// The slot of the key whose SHA-256 is `digest`.
    @inline(__always)
    func entry(for digest: SHA256Digest) -> Entry? {
        slots.withUnsafeBufferPointer { slots in
            var slot = KeyTable.home(of: digest, slotCount: slots.count)
            while true {
                let entry = slots[slot]
                if entry.isEmpty { return nil }
                if entry.digest == digest { return entry }
                slot = slot &+ 1 == slots.count ? 0 : slot &+ 1
            }
        }
    }

    /// The slot where the probe for `digest` starts: its first 8 bytes scaled to the table (Lemire's
    /// multiply-shift, so the table need not be a power of two long).
    @inline(__always)
    static func home(of digest: SHA256Digest, slotCount: Int) -> Int {
        Int(truncatingIfNeeded: digest.leadingWord.multipliedFullWidth(by: UInt64(slotCount)).high)
    }

    /// The number of slots that keeps `count` keys at most 70% full.
    static func keySlotCount(for count: Int) -> Int {
        max(16, count * 10 / 7 + 1)
    }

    // MARK: The consumer index (a power of two long, at most half full).

    /// The index of the consumer named `name`.
    static func findConsumer(_ name: UnsafeRawBufferPointer, in slots: [UInt32], consumers: [ConsumerEntry],
                             idBytes: [UInt8]) -> UInt32? {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash(name)) & mask
        while slots[slot] != 0 {
            let index = slots[slot] - 1
            let entry = consumers[Int(index)]
            if Int(entry.idCount) == name.count,
               idBytes.withUnsafeBytes({ name.elementsEqual($0[Int(entry.idStart)..<Int(entry.idStart) + name.count]) }) {
                return index
            }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Puts consumer `index`, named `name`, in the first free slot of its probe.
    static func insertConsumer(_ index: UInt32, named name: UnsafeRawBufferPointer, into slots: inout [UInt32]) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash(name)) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = index + 1
    }

    /// The hash of a consumer name (SipHash through `Hasher`: names come from the file, not from clients).
    static func hash(_ name: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(bytes: name)
        return UInt64(UInt(bitPattern: hasher.finalize()))
    }
}
