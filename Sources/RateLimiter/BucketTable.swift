/// One shard of the memory store: an open-addressing hash table from a 128-bit identity hash to
/// that identity's bucket state. Linear probing from a multiply-shift home slot (so any capacity
/// works), at most 3/4 full, growing by half. Each slot is one run of words, `[low, high, last,
/// deficit…]` (see `TokenBuckets`), so a lookup touches one place in memory; a `high` of zero marks
/// an empty slot. With two limits a slot is 40 bytes. Keys are hashes, never the identities.
///
/// Not thread-safe: `MemoryStore` guards each table with a `Mutex`.
final class BucketTable {
    private(set) var plan: LimitPlan
    /// `plan.shapes`, copied so the hot path reads them without retaining an array.
    private(set) var shapes: UnsafeMutableBufferPointer<BucketShape>
    /// Words per slot: 3 + limits.
    private var slotWords: Int
    private(set) var capacity = 0
    private(set) var count = 0
    private var slots: UnsafeMutablePointer<Int64>?

    init(plan: LimitPlan) {
        self.plan = plan
        shapes = BucketTable.copy(plan.shapes)
        slotWords = plan.shapes.count + 3
    }

    deinit {
        slots?.deallocate()
        shapes.deallocate()
    }

    private static func copy(_ shapes: [BucketShape]) -> UnsafeMutableBufferPointer<BucketShape> {
        let copy = UnsafeMutableBufferPointer<BucketShape>.allocate(capacity: max(1, shapes.count))
        _ = copy.initialize(from: shapes)
        return UnsafeMutableBufferPointer(rebasing: copy[0..<shapes.count])
    }

    /// Takes a token from every bucket of the identity hashed to (`low`, `high`; `high` nonzero).
    func take(low: UInt64, high: UInt64, now: Int64) -> StoreReply {
        if shapes.isEmpty {
            return StoreReply(plan: plan, admitted: true, deficits: PerBucket(), nowMilliseconds: now)
        }
        let row = findOrInsert(low: Int64(bitPattern: low), high: Int64(bitPattern: high), now: now)
        let admitted = TokenBuckets.take(row: row, shapes: UnsafeBufferPointer(shapes), now: now)
        return StoreReply(
            plan: plan, admitted: admitted, deficits: PerBucket(deficits: row + 1, count: shapes.count),
            nowMilliseconds: now)
    }

    /// Drops every full row, shrinking the table when it has become mostly empty.
    func sweep(now: Int64) {
        let live = liveCount(now: now)
        if live == count { return }
        var target = capacity
        while target > 16 && live * 8 < target { target /= 2 }
        rebuild(capacity: live == 0 ? 0 : target, plan: plan, now: now)
    }

    /// Switches to `newPlan`, converting every row (see `BucketShape.migrated`).
    func install(_ newPlan: LimitPlan) {
        rebuild(capacity: capacity, plan: newPlan, now: nil)
    }

    /// The row (`[last, deficit…]`) of the identity, or nil when it holds no state (its buckets are full).
    func existingRow(low: Int64, high: Int64) -> UnsafeMutablePointer<Int64>? {
        guard let slots, capacity > 0 else { return nil }
        var slot = slots + BucketTable.home(low, capacity) * slotWords
        let end = slots + capacity * slotWords
        while slot[1] != 0 {
            if slot[1] == high && slot[0] == low { return slot + 2 }
            slot += slotWords
            if slot == end { slot = slots }
        }
        return nil
    }

    /// The row (`[last, deficit…]`) of the identity, inserted full at `now` if absent.
    func findOrInsert(low: Int64, high: Int64, now: Int64) -> UnsafeMutablePointer<Int64> {
        if capacity == 0 { rebuild(capacity: 16, plan: plan, now: now) }
        var slot = slots! + BucketTable.home(low, capacity) * slotWords
        let end = slots! + capacity * slotWords
        while true {
            if slot[1] == high && slot[0] == low { return slot + 2 }
            if slot[1] == 0 { break }
            slot += slotWords
            if slot == end { slot = slots! }
        }
        if (count + 1) * 4 > capacity * 3 {
            makeRoom(now: now)
            slot = BucketTable.freeSlot(for: low, in: slots!, capacity: capacity, slotWords: slotWords)
        }
        slot[0] = low
        slot[1] = high
        slot[2] = now
        (slot + 3).initialize(repeating: 0, count: slotWords - 3)
        count += 1
        return slot + 2
    }

    /// The slot where probing for `low` starts: `low × capacity / 2^64`.
    @inline(__always)
    private static func home(_ low: Int64, _ capacity: Int) -> Int {
        Int(truncatingIfNeeded: UInt64(bitPattern: low).multipliedFullWidth(by: UInt64(capacity)).high)
    }

    /// The first empty slot from `low`'s home.
    @inline(__always)
    private static func freeSlot(
        for low: Int64, in slots: UnsafeMutablePointer<Int64>, capacity: Int, slotWords: Int
    ) -> UnsafeMutablePointer<Int64> {
        var index = home(low, capacity)
        while slots[index * slotWords + 1] != 0 { index = index + 1 == capacity ? 0 : index + 1 }
        return slots + index * slotWords
    }

    /// Called when the table is 3/4 full: drops full rows (the lazy part of the sweep) and grows the
    /// capacity by half unless that left it at most half full.
    private func makeRoom(now: Int64) {
        let live = liveCount(now: now)
        rebuild(capacity: (live + 1) * 2 > capacity ? capacity + capacity / 2 : capacity, plan: plan, now: now)
    }

    private func liveCount(now: Int64) -> Int {
        guard let slots else { return 0 }
        var live = 0
        for index in 0..<capacity {
            let slot = slots + index * slotWords
            if slot[1] != 0, !TokenBuckets.isFull(row: slot + 2, shapes: UnsafeBufferPointer(shapes), now: now) {
                live += 1
            }
        }
        return live
    }

    /// Moves every row into fresh storage of `newCapacity` slots laid out for `newPlan`. With `now`,
    /// rows full at `now` are dropped; rows whose buckets all end up full after a migration too.
    private func rebuild(capacity newCapacity: Int, plan newPlan: LimitPlan, now: Int64?) {
        let newWords = newPlan.shapes.count + 3
        let newSlots = newCapacity == 0 ? nil : UnsafeMutablePointer<Int64>.allocate(capacity: newWords * newCapacity)
        newSlots?.initialize(repeating: 0, count: newWords * newCapacity)
        let mapping = newPlan.rules.map { rule in plan.rules.firstIndex { $0.name == rule.name } }
        var newCount = 0
        if let slots, let newSlots {
            for index in 0..<capacity {
                let slot = slots + index * slotWords
                if slot[1] == 0 { continue }
                if let now, TokenBuckets.isFull(row: slot + 2, shapes: UnsafeBufferPointer(shapes), now: now) {
                    continue
                }
                let target = BucketTable.freeSlot(for: slot[0], in: newSlots, capacity: newCapacity, slotWords: newWords)
                var anyMissing = false
                for (newIndex, old) in mapping.enumerated() {
                    let deficit = old.map { newPlan.shapes[newIndex].migrated(deficit: slot[$0 + 3], from: shapes[$0]) } ?? 0
                    target[newIndex + 3] = deficit
                    if deficit > 0 { anyMissing = true }
                }
                if !anyMissing {
                    (target + 3).update(repeating: 0, count: newWords - 3)
                    continue
                }
                target[0] = slot[0]
                target[1] = slot[1]
                target[2] = slot[2]
                newCount += 1
            }
        }
        slots?.deallocate()
        slots = newSlots
        capacity = newCapacity
        count = newCount
        if newPlan !== plan {
            shapes.deallocate()
            shapes = BucketTable.copy(newPlan.shapes)
            plan = newPlan
        }
        slotWords = newWords
    }
}
