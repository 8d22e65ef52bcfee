/// The path of a request target as scope rules compare it.
enum RequestPath {
    /// Calls `body` with the path of `target` without its query, percent-decoded, with repeated `/` merged and
    /// `.` and `..` segments resolved (RFC 3986 §5.2.4). A path that needs none of this (the usual case) is
    /// passed as it is, without copying.
    static func withNormalisedPath<Result>(of target: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let end = target.firstIndex(of: UInt8(ascii: "?")) ?? target.count
        let path = UnsafeRawBufferPointer(rebasing: target[0..<end])
        guard needsNormalising(path) else { return body(path) }
        return normalised(path).withUnsafeBytes(body)
    }

    /// Whether `path` has a `%`, a `//`, or a `.` or `..` segment.
    static func needsNormalising(_ path: UnsafeRawBufferPointer) -> Bool {
        var previous = UInt8(0)
        for (index, byte) in path.enumerated() {
            if byte == UInt8(ascii: "%") { return true }
            if byte == UInt8(ascii: "/"), previous == UInt8(ascii: "/") { return true }
            if byte == UInt8(ascii: "."), previous == UInt8(ascii: "/") {
                let rest = path[(index + 1)...]
                if rest.first == nil || rest.first == UInt8(ascii: "/") { return true }
                if rest.first == UInt8(ascii: "."), rest.count == 1 || rest.dropFirst().first == UInt8(ascii: "/") { return true }
            }
            previous = byte
        }
        return false
    }

    /// `path` percent-decoded (every valid `%XX`, `%2F` included: an upstream may decode it), split at `/`,
    /// empty and `.` segments dropped, `..` removing the one before; rebuilt with a leading `/`, and a trailing
    /// one when the path ended in a separator or a dot segment.
    static func normalised(_ path: UnsafeRawBufferPointer) -> [UInt8] {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(path.count)
        var index = 0
        while index < path.count {
            if path[index] == UInt8(ascii: "%"), index + 2 < path.count,
               let high = hexValue(path[index + 1]), let low = hexValue(path[index + 2]) {
                decoded.append(high << 4 | low)
                index += 3
            } else {
                decoded.append(path[index])
                index += 1
            }
        }
        var segments: [ArraySlice<UInt8>] = []
        var endsInSeparator = false
        for segment in decoded.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            switch Array(segment) {
            case []:
                endsInSeparator = true
            case [UInt8(ascii: ".")]:
                endsInSeparator = true
            case [UInt8(ascii: "."), UInt8(ascii: ".")]:
                _ = segments.popLast()
                endsInSeparator = true
            default:
                segments.append(segment)
                endsInSeparator = false
            }
        }
        var result: [UInt8] = [UInt8(ascii: "/")]
        for (position, segment) in segments.enumerated() {
            if position > 0 { result.append(UInt8(ascii: "/")) }
            result.append(contentsOf: segment)
        }
        if endsInSeparator, !segments.isEmpty { result.append(UInt8(ascii: "/")) }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
