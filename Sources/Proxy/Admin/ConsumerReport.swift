import APIKeys
import Essentials
import Normaliser
import RateLimiter

/// `GET /keys/<id>` on the admin listener (SPEC §8, §10): what support needs to answer "why is this customer
/// limited?" — the consumer's plan, its keys (never a key: the start of its SHA-256, revoked, expires) and each
/// limit's remaining tokens and reset, read without taking a token.
enum ConsumerReport {
    /// The report of consumer `id`, or nil when the keys file in force has no such consumer (or there is none).
    static func json(id: String, keys: KeyTable?, limiters: PlanLimiters?) -> [UInt8]? {
        guard let keys, let reference = keys.consumer(named: id) else { return nil }
        let consumer = keys.consumer(reference)
        let listed = keys.keys(of: reference).map { key in
            JSONValue.object([
                JSONMember(name: "sha256_prefix", value: .string(key.sha256Prefix)),
                JSONMember(name: "revoked", value: .bool(key.revoked)),
                JSONMember(name: "expires", value: key.expires.map { .string(RFC3339.format(unixSeconds: $0)) } ?? .null),
            ])
        }
        let levels = limiters?.limiter(forPlan: consumer.plan).levels(of: consumer.id) ?? []
        let limits = levels.map { level in
            JSONValue.object([
                JSONMember(name: "name", value: .string(level.name)),
                JSONMember(name: "requests", value: .integer(level.requests)),
                JSONMember(name: "per_seconds", value: .integer(Int(level.perSeconds))),
                JSONMember(name: "remaining", value: .integer(Int(level.remaining))),
                JSONMember(name: "reset", value: .integer(Int(level.resetUnixSeconds))),
            ])
        }
        return JSONWriter.encode(.object([
            JSONMember(name: "id", value: .string(consumer.id)),
            JSONMember(name: "plan", value: consumer.plan.map { .string($0) } ?? .null),
            JSONMember(name: "keys", value: .array(listed)),
            JSONMember(name: "limits", value: .array(limits)),
        ]))
    }
}
