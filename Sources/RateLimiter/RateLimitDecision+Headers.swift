extension RateLimitDecision {
    /// Appends every rate-limit header line of this response to `out`, each `Name: value\r\n`:
    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (standard limit), then per
    /// limit `X-RateLimit-Limit-<Name>` and `X-RateLimit-Remaining-<Name>`, then `RateLimit-Policy`,
    /// `RateLimit`, and `Retry-After` when refused. Nothing without limits.
    public func appendHeaders(to out: inout [UInt8]) {
        guard let closestLimit, remainingTokens.count == plan.shapes.count else { return }
        let start = out.count
        let bound = plan.headerBytesUpperBound
        out.append(contentsOf: repeatElement(0, count: bound))
        let written = out.withUnsafeMutableBufferPointer { buffer in
            var writer = ByteWriter(buffer.baseAddress! + start)
            writer.write(plan.standardHead)
            writer.writeDecimal(remainingTokens[0])
            writer.write(plan.resetHead)
            writer.writeDecimal(resetUnixSeconds)
            writer.writeLineEnd()
            for index in 0..<remainingTokens.count {
                writer.write(plan.perLimitHeads[index])
                writer.writeDecimal(remainingTokens[index])
                writer.writeLineEnd()
            }
            writer.write(plan.policyAndRateLimitHead)
            writer.write(plan.rateLimitItemHeads[closestLimit])
            writer.writeDecimal(remainingTokens[closestLimit])
            writer.write(plan.secondsParameter)
            writer.writeDecimal(closestNextTokenSeconds)
            writer.writeLineEnd()
            if let retryAfterSeconds {
                writer.write(plan.retryAfterHead)
                writer.writeDecimal(Int64(retryAfterSeconds))
                writer.writeLineEnd()
            }
            return writer.position - (buffer.baseAddress! + start)
        }
        precondition(written <= bound, "rate-limit headers overran their bound")
        out.removeLast(bound - written)
    }

    /// The header lines as one string (for tests and logs).
    public var headerText: String {
        var out: [UInt8] = []
        appendHeaders(to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Writes bytes forward from a pointer into memory already sized by the caller.
struct ByteWriter {
    var position: UnsafeMutablePointer<UInt8>

    init(_ start: UnsafeMutablePointer<UInt8>) {
        position = start
    }

    @inline(__always)
    mutating func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { source in
            position.update(from: source.baseAddress!, count: source.count)
            position += source.count
        }
    }

    @inline(__always)
    mutating func writeLineEnd() {
        position[0] = UInt8(ascii: "\r")
        position[1] = UInt8(ascii: "\n")
        position += 2
    }

    /// `value` in decimal (at most 20 bytes), two digits per division.
    @inline(__always)
    mutating func writeDecimal(_ value: Int64) {
        if value < 0 {
            position.pointee = UInt8(ascii: "-")
            position += 1
        }
        var magnitude = value.magnitude
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let length = Swift.withUnsafeMutableBytes(of: &buffer) { raw -> Int in
            var index = raw.count
            while magnitude >= 100 {
                let pair = Int(truncatingIfNeeded: magnitude % 100)
                magnitude /= 100
                index -= 2
                raw[index] = ByteWriter.digitPairs[2 * pair]
                raw[index + 1] = ByteWriter.digitPairs[2 * pair + 1]
            }
            if magnitude >= 10 {
                let pair = Int(truncatingIfNeeded: magnitude)
                index -= 2
                raw[index] = ByteWriter.digitPairs[2 * pair]
                raw[index + 1] = ByteWriter.digitPairs[2 * pair + 1]
            } else {
                index -= 1
                raw[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude)
            }
            let length = raw.count - index
            position.update(from: raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + index, count: length)
            return length
        }
        position += length
    }

    /// "000102…9899": the two digits of every number below 100.
    private static let digitPairs: [UInt8] = (0..<100).flatMap { [UInt8(ascii: "0") + UInt8($0 / 10), UInt8(ascii: "0") + UInt8($0 % 10)] }
}
