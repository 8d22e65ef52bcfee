internal import CHiredis

/// What the token-bucket script's reply amounts to, read from hiredis's reply tree.
enum ScriptReply: Equatable {
    /// An array of integers: `[admitted, now ms, deficit…]`.
    case values([Int64])
    /// `NOSCRIPT`: the server does not know the script's SHA-1 (restarted, or `SCRIPT FLUSH`).
    case unknownScript
    /// Anything else: an error reply, or a reply of the wrong shape.
    case malformed

    /// Reads `reply` (borrowed: hiredis frees it after the callback).
    init(_ reply: UnsafePointer<redisReply>) {
        let top = reply.pointee
        switch top.type {
        case REDIS_REPLY_ARRAY:
            guard let elements = top.element, top.elements <= 2 + 8 else {
                self = .malformed
                return
            }
            var values: [Int64] = []
            values.reserveCapacity(top.elements)
            for index in 0..<top.elements {
                guard let element = elements[index], element.pointee.type == REDIS_REPLY_INTEGER else {
                    self = .malformed
                    return
                }
                values.append(Int64(element.pointee.integer))
            }
            self = .values(values)
        case REDIS_REPLY_ERROR:
            let prefix = Array("NOSCRIPT".utf8)
            guard let text = top.str, top.len >= prefix.count else {
                self = .malformed
                return
            }
            let matches = text.withMemoryRebound(to: UInt8.self, capacity: prefix.count) { bytes in
                (0..<prefix.count).allSatisfy { bytes[$0] == prefix[$0] }
            }
            self = matches ? .unknownScript : .malformed
        default:
            self = .malformed
        }
    }
}

extension ScriptReply {
    /// The digest in a `SCRIPT LOAD` reply (40 lowercase hex digits), or nil for any other reply.
    static func digest(_ reply: UnsafePointer<redisReply>) -> String? {
        let top = reply.pointee
        guard top.type == REDIS_REPLY_STRING, top.len == 40, let text = top.str else { return nil }
        let digest = String(cString: text)
        return digest.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) ? digest : nil
    }
}
