/// The token-bucket algorithm over one identity's state, shared by every store.
///
/// State layout (one row of `1 + limits` integers): `[last, deficit0, deficit1, …]`, `last` being the
/// millisecond of the previous decision and each deficit as `BucketShape` describes. A Redis store
/// runs the same steps in a Lua script.
public enum TokenBuckets {
    /// Refills every bucket up to `now`, then takes one token from each bucket if every bucket holds
    /// one (returns true), or takes nothing (returns false).
    ///
    /// A clock that stepped backwards refills nothing at that decision and refilling resumes from the
    /// earlier time, as nginx's `limit_req` does: buckets never overfill and never go negative, and
    /// the span stepped over is refilled once more as the clock crosses it again (a step back does
    /// not freeze an identity until the clock catches up).
    @inline(__always)
    public static func take(
        row: UnsafeMutablePointer<Int64>, shapes: UnsafeBufferPointer<BucketShape>, now: Int64
    ) -> Bool {
        let elapsed = max(0, now &- row[0])
        row[0] = now
        var admitted = true
        for index in 0..<shapes.count {
            let shape = shapes[index]
            let deficit = shape.refilled(row[index + 1], after: elapsed)
            row[index + 1] = deficit
            if !shape.holdsToken(deficit: deficit) { admitted = false }
        }
        if admitted {
            for index in 0..<shapes.count {
                row[index + 1] += shapes[index].tokenUnits
            }
        }
        return admitted
    }

    /// Whether every bucket of the row has refilled completely by `now` (the row is then equivalent
    /// to no row at all and may be dropped).
    @inline(__always)
    public static func isFull(
        row: UnsafePointer<Int64>, shapes: UnsafeBufferPointer<BucketShape>, now: Int64
    ) -> Bool {
        let elapsed = max(0, now &- row[0])
        for index in 0..<shapes.count where shapes[index].refilled(row[index + 1], after: elapsed) > 0 {
            return false
        }
        return true
    }
}
