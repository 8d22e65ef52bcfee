internal import CHiredis

/// A Redis reply as a Swift value, for the replies read rarely (`CLUSTER SLOTS`, `AUTH`): the hot path reads
/// hiredis's tree directly (``ScriptReply``).
public indirect enum RedisValue: Equatable, Sendable {
    case status(String)
    case error(String)
    case integer(Int64)
    case bulk([UInt8]?)
    case array([RedisValue]?)

    /// The text of a bulk or status reply.
    public var text: String? {
        switch self {
        case .status(let text): text
        case .bulk(let bytes?): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// Copies hiredis's borrowed reply tree (nested arrays at most `depth` deep).
    init(_ reply: UnsafePointer<redisReply>, depth: Int = 8) {
        let top = reply.pointee
        func bytes() -> [UInt8] {
            guard let str = top.str, top.len > 0 else { return [] }
            return Array(UnsafeRawBufferPointer(start: str, count: top.len))
        }
        switch top.type {
        case REDIS_REPLY_STATUS: self = .status(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_ERROR: self = .error(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_INTEGER: self = .integer(Int64(top.integer))
        case REDIS_REPLY_STRING: self = .bulk(bytes())
        case REDIS_REPLY_ARRAY:
            guard depth > 0, let elements = top.element else {
                self = .array(top.elements == 0 ? [] : nil)
                return
            }
            self = .array((0..<top.elements).map { elements[$0].map { RedisValue($0, depth: depth - 1) } ?? .bulk(nil) })
        default: self = .bulk(nil)
        }
    }
}
