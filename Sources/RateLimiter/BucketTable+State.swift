/// Reading an identity's buckets without taking a token, and moving them between tables (a consumer that a
/// reload moves to another plan keeps its buckets by limit name).
extension BucketTable {
    /// The identity's deficits refilled to `now`, taking nothing; `admitted` says whether a take would pass.
    func peek(low: UInt64, high: UInt64, now: Int64) -> StoreReply {
        let count = shapes.count
        guard let row = existingRow(low: Int64(bitPattern: low), high: Int64(bitPattern: high)) else {
            return StoreReply(plan: plan, admitted: true, deficits: PerBucket(zeros: count), nowMilliseconds: now)
        }
        let elapsed = max(0, now &- row[0])
        var deficits = PerBucket(zeros: count)
        var admitted = true
        for index in 0..<count {
            let deficit = shapes[index].refilled(row[index + 1], after: elapsed)
            deficits[index] = deficit
            if !shapes[index].holdsToken(deficit: deficit) { admitted = false }
        }
        return StoreReply(plan: plan, admitted: admitted, deficits: deficits, nowMilliseconds: now)
    }

    /// Gives the identity the buckets `state` describes (deficits under `state.plan` at `state.nowMilliseconds`),
    /// converted by limit name: a limit of this table's plan with the same name takes its tokens (clamped to
    /// its capacity), any other starts full. Buckets that are all full move nothing (as a reload leaves an
    /// identity without state full under the new limits).
    func adopt(low: UInt64, high: UInt64, state: StoreReply) {
        guard (0..<state.deficits.count).contains(where: { state.deficits[$0] > 0 }) else { return }
        var deficits = PerBucket(zeros: shapes.count)
        var anyMissing = false
        for (index, rule) in plan.rules.enumerated() {
            guard let old = state.plan.rules.firstIndex(where: { $0.name == rule.name }), old < state.deficits.count else { continue }
            deficits[index] = shapes[index].migrated(deficit: state.deficits[old], from: state.plan.shapes[old])
            if deficits[index] > 0 { anyMissing = true }
        }
        guard anyMissing else { return }
        let row = findOrInsert(low: Int64(bitPattern: low), high: Int64(bitPattern: high), now: state.nowMilliseconds)
            + BucketTable.rowWord
        row[0] = state.nowMilliseconds
        for index in 0..<shapes.count { row[index + 1] = deficits[index] }
    }
}
