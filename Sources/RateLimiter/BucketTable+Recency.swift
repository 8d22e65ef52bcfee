/// The least-recently-used list of a `BucketTable` and removal from its probe runs.
///
/// A slot's `links` word holds two slot indices, the more recent neighbour in its high 32 bits and
/// the less recent one in its low 32 bits, `0xFFFF_FFFF` for none. A shard holds far fewer than 2^32
/// slots (`MemoryStore.trackedKeysRange`).
extension BucketTable {
    /// No slot.
    static let none = -1

    @inline(__always)
    static func decode(_ half: UInt64) -> Int {
        half == 0xFFFF_FFFF ? none : Int(truncatingIfNeeded: half)
    }

    @inline(__always)
    private static func encode(_ index: Int) -> UInt64 {
        index == none ? 0xFFFF_FFFF : UInt64(truncatingIfNeeded: index)
    }

    /// The more recently used neighbour of the identity at `index`.
    @inline(__always)
    func previous(_ index: Int) -> Int {
        BucketTable.decode(UInt64(bitPattern: slot(index)[BucketTable.linksWord]) >> 32)
    }

    /// The less recently used neighbour of the identity at `index`.
    @inline(__always)
    func next(_ index: Int) -> Int {
        BucketTable.decode(UInt64(bitPattern: slot(index)[BucketTable.linksWord]) & 0xFFFF_FFFF)
    }

    @inline(__always)
    private func setLinks(_ index: Int, previous: Int, next: Int) {
        slot(index)[BucketTable.linksWord] = Int64(bitPattern: BucketTable.encode(previous) << 32 | BucketTable.encode(next))
    }

    @inline(__always)
    private func setPrevious(_ index: Int, _ previous: Int) {
        setLinks(index, previous: previous, next: next(index))
    }

    @inline(__always)
    private func setNext(_ index: Int, _ next: Int) {
        setLinks(index, previous: previous(index), next: next)
    }

    /// Makes the identity at `index` (already in the list) the most recent.
    @inline(__always)
    func moveToFront(_ index: Int) {
        unlink(index)
        pushFront(index)
    }

    /// Puts the identity at `index` (not in the list) in front.
    @inline(__always)
    func pushFront(_ index: Int) {
        setLinks(index, previous: BucketTable.none, next: head)
        if head == BucketTable.none { tail = index } else { setPrevious(head, index) }
        head = index
    }

    /// Rewrites the links of the slot at `index` through `translate` (a rebuild's old → new indices).
    func relabel(_ index: Int, _ translate: (Int) -> Int) {
        setLinks(index, previous: translate(previous(index)), next: translate(next(index)))
    }

    /// Takes the identity at `index` out of the list.
    @inline(__always)
    func unlink(_ index: Int) {
        let before = previous(index), after = next(index)
        if before == BucketTable.none { head = after } else { setNext(before, after) }
        if after == BucketTable.none { tail = before } else { setPrevious(after, before) }
    }

    /// Points the neighbours of the identity now at `index` (moved there) at its new slot.
    @inline(__always)
    private func relink(_ index: Int) {
        let before = previous(index), after = next(index)
        if before == BucketTable.none { head = index } else { setNext(before, index) }
        if after == BucketTable.none { tail = index } else { setPrevious(after, index) }
    }

    /// Removes the identity at `index` from the list and the table. Backward-shift deletion (no
    /// tombstones): each later slot of the probe run whose home does not lie between the hole and
    /// itself moves back into the hole, so every identity stays reachable from its home.
    func remove(_ index: Int) {
        unlink(index)
        count -= 1
        var hole = index
        var probe = index
        while true {
            probe = probe + 1 == capacity ? 0 : probe + 1
            let candidate = slot(probe)
            if candidate[BucketTable.highWord] == 0 { break }
            let home = BucketTable.home(candidate[BucketTable.lowWord], capacity)
            let reachable = hole < probe ? (hole < home && home <= probe) : (hole < home || home <= probe)
            if reachable { continue }
            slot(hole).update(from: candidate, count: slotWords)
            relink(hole)
            hole = probe
        }
        slot(hole)[BucketTable.highWord] = 0
    }
}
