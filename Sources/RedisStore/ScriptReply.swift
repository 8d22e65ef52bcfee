internal import CHiredis

/// What the token-bucket script's reply amounts to, read from hiredis's reply tree.
enum ScriptReply: Equatable {
    /// An array of integers: `[admitted, now ms, deficit…]`.
    case values([Int64])
    /// `NOSCRIPT`: the server does not know the script's SHA-1 (restarted, or `SCRIPT FLUSH`).
    case unknownScript
    /// Another error reply (a cluster's `MOVED`/`ASK`, `NOAUTH`, `CLUSTERDOWN`…), its text.
    case error(String)
    /// A reply of the wrong shape.
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
            guard let text = top.str else {
                self = .malformed
                return
            }
            let message = String(decoding: UnsafeRawBufferPointer(start: text, count: top.len), as: UTF8.self)
            self = message.hasPrefix("NOSCRIPT") ? .unknownScript : .error(message)
        default:
            self = .malformed
        }
    }
}

extension ScriptReply {
    /// The digest in a `SCRIPT LOAD` reply (40 lowercase hex digits), or nil for any other reply.
    static func digest(_ reply: RedisValue) -> String? {
        guard case .bulk(let bytes?) = reply, bytes.count == 40,
              bytes.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
