/// The deficits of one identity's buckets after a decision (see `BucketShape`), stored inline for up
/// to four limits so that a decision allocates nothing in the usual configurations.
public struct BucketLevels: Sendable {
    private var inline: (Int64, Int64, Int64, Int64) = (0, 0, 0, 0)
    private var spill: [Int64]?
    /// Number of buckets.
    public let count: Int

    /// No buckets.
    public init() {
        count = 0
    }

    /// Levels read from `row` (`count` deficits).
    @inline(__always)
    init(deficits row: UnsafePointer<Int64>, count: Int) {
        self.count = count
        if count > 4 {
            spill = Array(UnsafeBufferPointer(start: row, count: count))
            return
        }
        if count > 0 { inline.0 = row[0] }
        if count > 1 { inline.1 = row[1] }
        if count > 2 { inline.2 = row[2] }
        if count > 3 { inline.3 = row[3] }
    }

    /// Levels from a list of deficits (e.g. a Redis script's reply).
    public init(deficits: [Int64]) {
        self = deficits.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { BucketLevels(deficits: $0, count: buffer.count) } ?? BucketLevels()
        }
    }

    /// The deficit of bucket `index`.
    public subscript(index: Int) -> Int64 {
        precondition(index >= 0 && index < count, "bucket index out of range")
        if let spill { return spill[index] }
        switch index {
        case 0: return inline.0
        case 1: return inline.1
        case 2: return inline.2
        default: return inline.3
        }
    }
}

/// What a store answers for one decision: the plan it computed with, whether the request was
/// admitted, and every bucket's deficit afterwards, at `nowMicroseconds` (the store's clock).
public struct StoreReply: Sendable {
    /// The limits in force when the store decided (the newest one the store had installed).
    public var plan: LimitPlan
    /// Whether one token was taken from every bucket.
    public var admitted: Bool
    /// Deficits after the decision, one per limit of `plan`.
    public var levels: BucketLevels
    /// The time of the decision, Unix microseconds.
    public var nowMicroseconds: Int64

    /// Creates a reply.
    public init(plan: LimitPlan, admitted: Bool, levels: BucketLevels, nowMicroseconds: Int64) {
        self.plan = plan
        self.admitted = admitted
        self.levels = levels
        self.nowMicroseconds = nowMicroseconds
    }
}
