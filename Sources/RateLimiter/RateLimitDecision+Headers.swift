extension RateLimitDecision {
    /// At most how many bytes `writeHeaders(to:)` writes for this decision's plan.
    public var maximumHeaderBytes: Int {
        plan.headers.maximumBytes
    }

    /// Appends every rate-limit header line of this response to `out`, each `Name: value\r\n`:
    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (standard limit), then per
    /// limit `X-RateLimit-Limit-<Name>` and `X-RateLimit-Remaining-<Name>`, then `RateLimit-Policy`,
    /// `RateLimit`, and `Retry-After` when refused. Nothing without limits.
    public func appendHeaders(to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumHeaderBytes) { buffer in
            let count = writeHeaders(to: buffer.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// Writes the lines of `appendHeaders(to:)` to `start`, which must have room for
    /// `maximumHeaderBytes` (e.g. space reserved in an output buffer); returns the bytes written.
    public func writeHeaders(to start: UnsafeMutablePointer<UInt8>) -> Int {
        let template = plan.headers
        guard let closestLimit, remainingTokens.count == template.limitCount else { return 0 }
        var position = start
        template.write(HeaderTemplate.standard, to: &position)
        writeDecimal(remainingTokens[0], to: &position)
        template.write(HeaderTemplate.reset, to: &position)
        writeDecimal(resetUnixSeconds, to: &position)
        writeLineEnd(to: &position)
        for index in 0..<remainingTokens.count {
            template.write(HeaderTemplate.limitHead(index), to: &position)
            writeDecimal(remainingTokens[index], to: &position)
            writeLineEnd(to: &position)
        }
        template.write(HeaderTemplate.policy, to: &position)
        template.write(template.itemHead(closestLimit), to: &position)
        writeDecimal(remainingTokens[closestLimit], to: &position)
        template.write(HeaderTemplate.seconds, to: &position)
        writeDecimal(closestNextTokenSeconds, to: &position)
        writeLineEnd(to: &position)
        if let retryAfterSeconds {
            template.write(HeaderTemplate.retryAfter, to: &position)
            writeDecimal(Int64(retryAfterSeconds), to: &position)
            writeLineEnd(to: &position)
        }
        let count = position - start
        precondition(count <= template.maximumBytes, "rate-limit headers overran their bound")
        return count
    }

    /// The header lines as one string (for tests and logs).
    public var headerText: String {
        var out: [UInt8] = []
        appendHeaders(to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Writes `\r\n` and moves `position` past it.
@inline(__always)
private func writeLineEnd(to position: inout UnsafeMutablePointer<UInt8>) {
    position[0] = UInt8(ascii: "\r")
    position[1] = UInt8(ascii: "\n")
    position += 2
}

/// Writes `value` in decimal (at most 20 bytes), two digits per division, and moves `position` past.
@inline(__always)
private func writeDecimal(_ value: Int64, to position: inout UnsafeMutablePointer<UInt8>) {
    if value < 0 {
        position.pointee = UInt8(ascii: "-")
        position += 1
    }
    var magnitude = value.magnitude
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
    let length = withUnsafeMutableBytes(of: &digits) { raw -> Int in
        var index = raw.count
        while magnitude >= 100 {
            let pair = UInt8(truncatingIfNeeded: magnitude % 100)
            magnitude /= 100
            index -= 2
            raw[index] = UInt8(ascii: "0") + pair / 10
            raw[index + 1] = UInt8(ascii: "0") + pair % 10
        }
        let last = UInt8(truncatingIfNeeded: magnitude)
        if last >= 10 {
            index -= 2
            raw[index] = UInt8(ascii: "0") + last / 10
            raw[index + 1] = UInt8(ascii: "0") + last % 10
        } else {
            index -= 1
            raw[index] = UInt8(ascii: "0") + last
        }
        let length = raw.count - index
        position.update(from: raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + index, count: length)
        return length
    }
    position += length
}
