extension RateLimitDecision {
    /// Appends every rate-limit header line of this response to `out`, each `Name: value\r\n`:
    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (standard limit), then per
    /// limit `X-RateLimit-Limit-<Name>` and `X-RateLimit-Remaining-<Name>`, then `RateLimit-Policy`,
    /// `RateLimit`, and `Retry-After` when refused. Nothing without limits.
    public func appendHeaders(to out: inout [UInt8]) {
        guard let closestLimit, levels.count == plan.shapes.count else { return }
        out.append(contentsOf: plan.standardHead)
        out.appendDecimal(Int64(remaining(limit: 0)))
        out.append(contentsOf: "\r\nX-RateLimit-Reset: ".utf8)
        out.appendDecimal(resetUnixSeconds)
        out.append(contentsOf: "\r\n".utf8)
        for index in 0..<levels.count {
            out.append(contentsOf: plan.perLimitHeads[index])
            out.appendDecimal(Int64(remaining(limit: index)))
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: plan.policyAndRateLimitHead)
        out.append(contentsOf: plan.rateLimitItemHeads[closestLimit])
        out.appendDecimal(Int64(remaining(limit: closestLimit)))
        out.append(contentsOf: ";t=".utf8)
        out.appendDecimal(closestNextTokenSeconds)
        out.append(contentsOf: "\r\n".utf8)
        if let retryAfterSeconds {
            out.append(contentsOf: "Retry-After: ".utf8)
            out.appendDecimal(Int64(retryAfterSeconds))
            out.append(contentsOf: "\r\n".utf8)
        }
    }

    /// The header lines as one string (for tests and logs).
    public var headerText: String {
        var out: [UInt8] = []
        appendHeaders(to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

extension [UInt8] {
    /// Appends `value` in decimal without allocating.
    @inline(__always)
    mutating func appendDecimal(_ value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 24 digits, little end first
        var count = 0
        Swift.withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            while count > 0 {
                count -= 1
                append(buffer[count])
            }
        }
    }
}
