/// One integer per bucket (deficits as `BucketShape` describes them, or whole token counts), stored
/// inline: a plain value that copies without reference counting, so a decision allocates nothing.
/// Holds up to `PerBucket.capacity` buckets (a configuration has at most that many limits).
public struct PerBucket: Sendable {
    /// The most buckets an identity has.
    public static let capacity = 8
    private var values: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// Number of buckets.
    public let count: Int

    /// No buckets.
    public init() {
        count = 0
    }

    /// `count` zeros.
    @inline(__always)
    init(zeros count: Int) {
        self.count = min(count, PerBucket.capacity)
    }

    /// `count` values read from `row`.
    @inline(__always)
    init(deficits row: UnsafePointer<Int64>, count: Int) {
        self.count = min(count, PerBucket.capacity)
        Swift.withUnsafeMutableBytes(of: &values) { raw in
            raw.baseAddress!.copyMemory(from: row, byteCount: self.count * 8)
        }
    }

    /// Values from a list (e.g. the deficits of a Redis script's reply); at most `capacity` are kept.
    public init(deficits: [Int64]) {
        self = deficits.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { PerBucket(deficits: $0, count: buffer.count) } ?? PerBucket()
        }
    }

    /// The value of bucket `index`.
    @inline(__always)
    public internal(set) subscript(index: Int) -> Int64 {
        get {
            precondition(index >= 0 && index < count, "bucket index out of range")
            return Swift.withUnsafeBytes(of: values) { $0.load(fromByteOffset: index * 8, as: Int64.self) }
        }
        set {
            precondition(index >= 0 && index < count, "bucket index out of range")
            Swift.withUnsafeMutableBytes(of: &values) { $0.storeBytes(of: newValue, toByteOffset: index * 8, as: Int64.self) }
        }
    }
}
