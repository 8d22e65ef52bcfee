/// The constant bytes of a plan's rate-limit headers, laid out in one block so that writing them
/// costs a `memcpy` each and no reference counting. Immutable after `init`.
///
/// Pieces, in order: the standard head (`X-RateLimit-Limit: 100\r\nX-RateLimit-Remaining: `), the
/// reset head (`\r\nX-RateLimit-Reset: `), the policy head (`RateLimit-Policy: …\r\nRateLimit: `),
/// the `;t=` parameter, the `Retry-After: ` head, then per limit its `X-RateLimit-Limit-<Name>: q\r\n
/// X-RateLimit-Remaining-<Name>: ` head, then per limit its `"name";r=` item head.
final class HeaderTemplate: @unchecked Sendable {
    static let standard = 0
    static let reset = 1
    static let policy = 2
    static let seconds = 3
    static let retryAfter = 4
    private static let fixedPieces = 5

    /// Number of limits.
    let limitCount: Int
    /// At most how many bytes the header lines of one decision take.
    let maximumBytes: Int
    private let bytes: UnsafeMutablePointer<UInt8>
    /// Piece `i` spans `bytes[offsets[i] ..< offsets[i + 1]]`.
    private let offsets: UnsafeMutablePointer<Int>

    init(standardHead: String, policyHead: String, limitHeads: [String], itemHeads: [String]) {
        let pieces = [standardHead, "\r\nX-RateLimit-Reset: ", policyHead, ";t=", "Retry-After: "]
            + limitHeads + itemHeads
        let encoded = pieces.map { Array($0.utf8) }
        limitCount = limitHeads.count
        let total = encoded.reduce(0) { $0 + $1.count }
        bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, total))
        offsets = UnsafeMutablePointer<Int>.allocate(capacity: encoded.count + 1)
        var offset = 0
        for (index, piece) in encoded.enumerated() {
            offsets[index] = offset
            (bytes + offset).initialize(from: piece, count: piece.count)
            offset += piece.count
        }
        offsets[encoded.count] = offset
        // Every piece once, the longest item head once more, and 20 digits, a sign and a line end
        // for each of the numbers (standard remaining, reset, one per limit, r, t, retry-after).
        let longestItem = itemHeads.map(\.utf8.count).max() ?? 0
        maximumBytes = total + longestItem + 23 * (limitHeads.count + 5)
    }

    deinit {
        bytes.deallocate()
        offsets.deallocate()
    }

    /// The piece index of limit `index`'s `X-RateLimit-Limit-<Name>` head.
    @inline(__always)
    static func limitHead(_ index: Int) -> Int { fixedPieces + index }

    /// The piece index of limit `index`'s `RateLimit` item head.
    @inline(__always)
    func itemHead(_ index: Int) -> Int { HeaderTemplate.fixedPieces + limitCount + index }

    /// Copies piece `piece` to `position` and moves it past.
    @inline(__always)
    func write(_ piece: Int, to position: inout UnsafeMutablePointer<UInt8>) {
        let start = offsets[piece]
        let count = offsets[piece + 1] - start
        position.update(from: bytes + start, count: count)
        position += count
    }
}
