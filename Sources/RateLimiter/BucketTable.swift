/// One shard of the memory store: an open-addressing hash table from a 128-bit identity hash to
/// that identity's bucket state, holding at most `maxCount` identities: past it the least recently
/// used one is forgotten (as nginx's `limit_req` zone does). Keys are hashes, never the identities.
///
/// Layout: linear probing from a multiply-shift home slot (so any capacity works), at most 3/4 full,
/// growing by half. Each slot is one run of words, `[low, high, links, last, deficit…]` (the row
/// `[last, deficit…]` is `TokenBuckets`'s), so a lookup touches one place in memory; a `high` of zero
/// marks an empty slot. With two limits a slot is 48 bytes.
///
/// Recency (`BucketTable+Recency.swift`): LRU exact to `promotionMilliseconds`, an intrusive doubly-linked
/// list threaded through the slots by index (`links`), as nginx keeps its zone's queue. A decision moves
/// its identity to the front unless its previous decision was under `promotionMilliseconds` ago (as
/// memcached bumps an item at most once a minute): a move writes the two neighbour slots, two cache
/// misses when the table is far bigger than the cache, and a busy identity need not pay them on every
/// request. An insertion into a full shard takes the back identity; if that one was used under
/// `promotionMilliseconds` ago it gets a second chance at the front, at most `secondChances` times per
/// insertion, so every step is O(1), without allocation or scan. CLOCK (a referenced bit per slot)
/// would spare the neighbour writes entirely, but its hand sweeps an unbounded run of slots when every
/// bit is set and forgets identities in slot order, not by idleness; the list keeps the order exact.
///
/// Not thread-safe: `MemoryStore` guards each table with a `Mutex`.
final class BucketTable {
    private(set) var plan: LimitPlan
    /// `plan.shapes`, copied so the hot path reads them without retaining an array.
    private(set) var shapes: UnsafeMutableBufferPointer<BucketShape>
    /// Words per slot: 4 + limits.
    private(set) var slotWords: Int
    private(set) var capacity = 0
    /// Identities held (slots in use), at most `maxCount`.
    var count = 0
    /// The most identities held.
    private(set) var maxCount: Int
    /// Identities forgotten to stay within `maxCount` while some bucket of theirs was not full.
    private(set) var evicted = 0
    var slots: UnsafeMutablePointer<Int64>?
    /// The most and the least recently used slot, `BucketTable.none` when the table is empty.
    var head = BucketTable.none
    var tail = BucketTable.none

    /// Word offsets inside a slot.
    static let lowWord = 0, highWord = 1, linksWord = 2, rowWord = 3
    /// An identity decided on again within this many milliseconds keeps its place in the list.
    let promotionMilliseconds: Int64
    /// How many recently used identities an insertion into a full shard moves to the front before it
    /// forgets one anyway (the shard's working set then exceeds its bound).
    static let secondChances = 4

    init(plan: LimitPlan, maxCount: Int, promotionMilliseconds: Int64 = 1_000) {
        self.plan = plan
        self.maxCount = max(1, maxCount)
        self.promotionMilliseconds = promotionMilliseconds
        shapes = BucketTable.copy(plan.shapes)
        slotWords = plan.shapes.count + BucketTable.rowWord + 1
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
        let row = findOrInsert(low: Int64(bitPattern: low), high: Int64(bitPattern: high), now: now) + BucketTable.rowWord
        let admitted = TokenBuckets.take(row: row, shapes: UnsafeBufferPointer(shapes), now: now)
        return StoreReply(
            plan: plan, admitted: admitted, deficits: PerBucket(deficits: row + 1, count: shapes.count),
            nowMilliseconds: now)
    }

    /// Drops every full row, shrinking the table when it has become mostly empty.
    func sweep(now: Int64) {
        let live = liveCount(now: now)
        var target = capacity
        while target > 16 && live * 8 < target { target /= 2 }
        if live == count && target == capacity { return }
        rebuild(capacity: live == 0 ? 0 : target, plan: plan, now: now)
    }

    /// Switches to `newPlan`, converting every row (see `BucketShape.migrated`).
    func install(_ newPlan: LimitPlan) {
        rebuild(capacity: capacity, plan: newPlan, now: nil)
    }

    /// Holds at most `newMax` identities from now on, forgetting the least recently used ones beyond it.
    func setMaxCount(_ newMax: Int, now: Int64) {
        maxCount = max(1, newMax)
        guard count > maxCount else { return }
        while count > maxCount { removeLeastRecent(now: now) }
        sweep(now: now)
    }

    /// The slot at `index`.
    @inline(__always)
    func slot(_ index: Int) -> UnsafeMutablePointer<Int64> {
        slots! + index * slotWords
    }

    /// The row (`[last, deficit…]`) of the identity, or nil when it holds no state (its buckets are full).
    /// Leaves its place in the recency list alone: reading is not using.
    func existingRow(low: Int64, high: Int64) -> UnsafeMutablePointer<Int64>? {
        guard slots != nil, capacity > 0 else { return nil }
        var index = BucketTable.home(low, capacity)
        while true {
            let entry = slot(index)
            if entry[BucketTable.highWord] == high && entry[BucketTable.lowWord] == low { return entry + BucketTable.rowWord }
            if entry[BucketTable.highWord] == 0 { return nil }
            index = index + 1 == capacity ? 0 : index + 1
        }
    }

    /// The slot of the identity, inserted full at `now` if absent, and made the most recent.
    func findOrInsert(low: Int64, high: Int64, now: Int64) -> UnsafeMutablePointer<Int64> {
        if capacity == 0 { rebuild(capacity: 16, plan: plan, now: now) }
        var index = BucketTable.home(low, capacity)
        while true {
            let entry = slot(index)
            if entry[BucketTable.highWord] == high && entry[BucketTable.lowWord] == low {
                if index != head && now &- entry[BucketTable.rowWord] >= promotionMilliseconds { moveToFront(index) }
                return entry
            }
            if entry[BucketTable.highWord] == 0 { break }
            index = index + 1 == capacity ? 0 : index + 1
        }
        var moved = false
        if count >= maxCount {
            removeLeastRecent(now: now)
            moved = true
        }
        if (count + 1) * 4 > capacity * 3 {
            makeRoom(now: now)
            moved = true
        }
        if moved { index = freeIndex(for: low) }
        let entry = slot(index)
        entry[BucketTable.lowWord] = low
        entry[BucketTable.highWord] = high
        entry[BucketTable.rowWord] = now
        (entry + BucketTable.rowWord + 1).initialize(repeating: 0, count: shapes.count)
        pushFront(index)
        count += 1
        return entry
    }

    /// Forgets the least recently used identity (after up to `secondChances` recently used ones have
    /// moved to the front), counting it in `evicted` unless its buckets were full.
    func removeLeastRecent(now: Int64) {
        var victim = tail
        for _ in 0..<BucketTable.secondChances
        where victim != head && now &- slot(victim)[BucketTable.rowWord] < promotionMilliseconds {
            moveToFront(victim)
            victim = tail
        }
        if !TokenBuckets.isFull(row: slot(victim) + BucketTable.rowWord, shapes: UnsafeBufferPointer(shapes), now: now) {
            evicted += 1
        }
        remove(victim)
    }

    /// The slot where probing for `low` starts: `low × capacity / 2^64`.
    @inline(__always)
    static func home(_ low: Int64, _ capacity: Int) -> Int {
        Int(truncatingIfNeeded: UInt64(bitPattern: low).multipliedFullWidth(by: UInt64(capacity)).high)
    }

    /// The first empty slot from `low`'s home.
    @inline(__always)
    private func freeIndex(for low: Int64) -> Int {
        var index = BucketTable.home(low, capacity)
        while slot(index)[BucketTable.highWord] != 0 { index = index + 1 == capacity ? 0 : index + 1 }
        return index
    }

    /// Called when the table is 3/4 full: drops full rows (the lazy part of the sweep) and grows the
    /// capacity by half unless that left it at most half full.
    private func makeRoom(now: Int64) {
        let live = liveCount(now: now)
        rebuild(capacity: (live + 1) * 2 > capacity ? capacity + capacity / 2 : capacity, plan: plan, now: now)
    }

    /// Rows not full at `now`, counted in slot order (sequential reads).
    private func liveCount(now: Int64) -> Int {
        var live = 0
        for index in 0..<capacity where slot(index)[BucketTable.highWord] != 0 {
            if !TokenBuckets.isFull(row: slot(index) + BucketTable.rowWord, shapes: UnsafeBufferPointer(shapes), now: now) {
                live += 1
            }
        }
        return live
    }

    /// Moves every row into fresh storage of `newCapacity` slots laid out for `newPlan`, keeping their
    /// order in the list. With `now`, rows full at `now` are dropped; rows whose buckets all end up
    /// full after a migration too. Three passes in slot order, so the old table is read sequentially:
    /// drop rows (unlinking them from the old list), copy the rest with their old links, then turn
    /// those links into new slot indices.
    private func rebuild(capacity newCapacity: Int, plan newPlan: LimitPlan, now: Int64?) {
        let oldSlots = slots, oldWords = slotWords, oldCapacity = capacity, oldShapes = UnsafeBufferPointer(shapes)
        let newWords = newPlan.shapes.count + BucketTable.rowWord + 1
        let mapping = newPlan.rules.map { rule in plan.rules.firstIndex { $0.name == rule.name } }
        let moved = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, oldCapacity))
        defer { moved.deallocate() }
        moved.initialize(repeating: -1, count: max(1, oldCapacity))
        var deficits = [Int64](repeating: 0, count: newPlan.shapes.count)

        /// Whether the old row at `old` survives the rebuild; fills `deficits` in `newPlan`'s units.
        func migrate(_ old: UnsafeMutablePointer<Int64>) -> Bool {
            let row = old + BucketTable.rowWord
            if let now, TokenBuckets.isFull(row: row, shapes: oldShapes, now: now) { return false }
            var anyMissing = false
            for (newIndex, oldIndex) in mapping.enumerated() {
                deficits[newIndex] = oldIndex.map { newPlan.shapes[newIndex].migrated(deficit: row[$0 + 1], from: oldShapes[$0]) } ?? 0
                if deficits[newIndex] > 0 { anyMissing = true }
            }
            return anyMissing
        }

        // Pass 1 (old table): take the rows that do not survive out of the old list.
        if let oldSlots {
            for index in 0..<oldCapacity where oldSlots[index * oldWords + BucketTable.highWord] != 0 {
                if newCapacity > 0 && migrate(oldSlots + index * oldWords) { continue }
                unlink(index)
            }
        }
        let oldHead = head, oldTail = tail
        slots = newCapacity == 0 ? nil : UnsafeMutablePointer<Int64>.allocate(capacity: newWords * newCapacity)
        slots?.initialize(repeating: 0, count: newWords * newCapacity)
        capacity = newCapacity
        slotWords = newWords
        count = 0
        head = BucketTable.none
        tail = BucketTable.none
        if let oldSlots, newCapacity > 0 {
            // Pass 2: copy the surviving rows, links still in old indices.
            for index in 0..<oldCapacity {
                let old = oldSlots + index * oldWords
                guard old[BucketTable.highWord] != 0 else { continue }
                guard migrate(old) else { continue }
                let targetIndex = freeIndex(for: old[BucketTable.lowWord])
                let target = slot(targetIndex)
                target[BucketTable.lowWord] = old[BucketTable.lowWord]
                target[BucketTable.highWord] = old[BucketTable.highWord]
                target[BucketTable.linksWord] = old[BucketTable.linksWord]
                target[BucketTable.rowWord] = old[BucketTable.rowWord]
                for (offset, deficit) in deficits.enumerated() { target[BucketTable.rowWord + 1 + offset] = deficit }
                moved[index] = Int32(targetIndex)
                count += 1
            }
            // Pass 3: old slot indices in the links become new ones.
            func translated(_ old: Int) -> Int { old == BucketTable.none ? BucketTable.none : Int(moved[old]) }
            for index in 0..<newCapacity where slot(index)[BucketTable.highWord] != 0 {
                relabel(index, translated)
            }
            head = translated(oldHead)
            tail = translated(oldTail)
        }
        oldSlots?.deallocate()
        if newPlan !== plan {
            shapes.deallocate()
            shapes = BucketTable.copy(newPlan.shapes)
            plan = newPlan
        }
    }
}
