/// One shard of the memory store: an open-addressing hash table (linear probing, home slot by
/// multiply-shift so any capacity works, at most 3/4 full, growing by half) from a 128-bit identity hash to a row of bucket state
/// (`[last, deficit…]`, see `TokenBuckets`). Not thread-safe: `MemoryStore` guards each table with a
/// `Mutex`. Keys are hashes, never the identities themselves, and a slot costs 16 bytes of key plus
/// 8 bytes per limit plus 8.
final class BucketTable {
    private(set) var plan: LimitPlan
    /// `plan.shapes`, copied so the hot path reads them without retaining an array.
    private var shapes: UnsafeMutableBufferPointer<BucketShape>
    private var stride: Int
    private(set) var capacity = 0
    private(set) var count = 0
    /// Two words per slot (low, high); a high word of zero marks an empty slot.
    private var keys: UnsafeMutablePointer<UInt64>?
    private var rows: UnsafeMutablePointer<Int64>?

    init(plan: LimitPlan) {
        self.plan = plan
        shapes = BucketTable.copy(plan.shapes)
        stride = plan.shapes.count + 1
    }

    deinit {
        keys?.deallocate()
        rows?.deallocate()
        shapes.deallocate()
    }

    private static func copy(_ shapes: [BucketShape]) -> UnsafeMutableBufferPointer<BucketShape> {
        let copy = UnsafeMutableBufferPointer<BucketShape>.allocate(capacity: max(1, shapes.count))
        _ = copy.initialize(from: shapes)
        return UnsafeMutableBufferPointer(rebasing: copy[0..<shapes.count])
    }

    /// Takes a token from every bucket of the identity hashed to (`low`, `high`; `high` nonzero).
    func take(low: UInt64, high: UInt64, now: Int64) -> StoreReply {
        if stride == 1 {
            return StoreReply(plan: plan, admitted: true, deficits: PerBucket(), nowMicroseconds: now)
        }
        let slot = findOrInsert(low: low, high: high, now: now)
        let row = rows! + slot * stride
        let admitted = TokenBuckets.take(row: row, shapes: UnsafeBufferPointer(shapes), now: now)
        return StoreReply(
            plan: plan, admitted: admitted, deficits: PerBucket(deficits: row + 1, count: stride - 1),
            nowMicroseconds: now)
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

    private func findOrInsert(low: UInt64, high: UInt64, now: Int64) -> Int {
        if capacity == 0 { rebuild(capacity: 16, plan: plan, now: now) }
        let keys = keys!
        var slot = BucketTable.home(low, capacity)
        while true {
            let slotHigh = keys[2 * slot + 1]
            if slotHigh == high && keys[2 * slot] == low { return slot }
            if slotHigh == 0 { break }
            slot = slot + 1 == capacity ? 0 : slot + 1
        }
        if (count + 1) * 4 > capacity * 3 {
            makeRoom(now: now)
            slot = BucketTable.freeSlot(for: low, in: self.keys!, capacity: capacity)
        }
        self.keys![2 * slot] = low
        self.keys![2 * slot + 1] = high
        let row = rows! + slot * stride
        row[0] = now
        (row + 1).initialize(repeating: 0, count: stride - 1)
        count += 1
        return slot
    }

    /// The slot where probing for `low` starts: `low × capacity / 2^64`.
    @inline(__always)
    private static func home(_ low: UInt64, _ capacity: Int) -> Int {
        Int(truncatingIfNeeded: low.multipliedFullWidth(by: UInt64(capacity)).high)
    }

    /// The first empty slot from `low`'s home.
    @inline(__always)
    private static func freeSlot(for low: UInt64, in keys: UnsafeMutablePointer<UInt64>, capacity: Int) -> Int {
        var slot = home(low, capacity)
        while keys[2 * slot + 1] != 0 { slot = slot + 1 == capacity ? 0 : slot + 1 }
        return slot
    }

    /// Called when the table is 3/4 full: drops full rows (the lazy part of the sweep) and grows the
    /// capacity by half unless that left it at most half full.
    private func makeRoom(now: Int64) {
        let live = liveCount(now: now)
        rebuild(capacity: (live + 1) * 2 > capacity ? capacity + capacity / 2 : capacity, plan: plan, now: now)
    }

    private func liveCount(now: Int64) -> Int {
        guard let keys, let rows else { return 0 }
        var live = 0
        for slot in 0..<capacity where keys[2 * slot + 1] != 0 {
            if !TokenBuckets.isFull(row: rows + slot * stride, shapes: UnsafeBufferPointer(shapes), now: now) {
                live += 1
            }
        }
        return live
    }

    /// Moves every row into fresh storage of `newCapacity` slots laid out for `newPlan`. With `now`,
    /// rows full at `now` are dropped; rows whose buckets all end up full after a migration too.
    private func rebuild(capacity newCapacity: Int, plan newPlan: LimitPlan, now: Int64?) {
        let newStride = newPlan.shapes.count + 1
        let newKeys = newCapacity == 0 ? nil : UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * newCapacity)
        let newRows = newCapacity == 0 ? nil : UnsafeMutablePointer<Int64>.allocate(capacity: newStride * newCapacity)
        newKeys?.initialize(repeating: 0, count: 2 * newCapacity)
        let mapping = newPlan.rules.map { rule in plan.rules.firstIndex { $0.name == rule.name } }
        var newCount = 0
        if let keys, let rows, let newKeys, let newRows {
            for slot in 0..<capacity where keys[2 * slot + 1] != 0 {
                let row = rows + slot * stride
                if let now, TokenBuckets.isFull(row: row, shapes: UnsafeBufferPointer(shapes), now: now) {
                    continue
                }
                let target = BucketTable.freeSlot(for: keys[2 * slot], in: newKeys, capacity: newCapacity)
                let newRow = newRows + target * newStride
                newRow[0] = row[0]
                var anyMissing = false
                for (index, old) in mapping.enumerated() {
                    let deficit = old.map { newPlan.shapes[index].migrated(deficit: row[$0 + 1], from: plan.shapes[$0]) } ?? 0
                    newRow[index + 1] = deficit
                    if deficit > 0 { anyMissing = true }
                }
                if !anyMissing { continue }
                newKeys[2 * target] = keys[2 * slot]
                newKeys[2 * target + 1] = keys[2 * slot + 1]
                newCount += 1
            }
        }
        keys?.deallocate()
        rows?.deallocate()
        keys = newKeys
        rows = newRows
        capacity = newCapacity
        count = newCount
        if newPlan !== plan {
            shapes.deallocate()
            shapes = BucketTable.copy(newPlan.shapes)
            plan = newPlan
        }
        stride = newStride
    }
}
